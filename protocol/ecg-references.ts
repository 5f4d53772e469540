/**
 * Which earlier leads help predict each lead over a block (ecg-predictor.ts).
 * Chosen greedily on first differences (the baseline wander a raw correlation
 * would be dominated by does not help prediction): the lead that explains most
 * of this lead's differences, then the one that adds most to it. Pure.
 */

/** For each lead j, up to `max` earlier leads, best first. */
export function chooseReferences(leads: Int32Array[], start: number, len: number, max: number): number[][] {
  const L = leads.length;
  const S = new Float64Array(L * L);
  const d = new Float64Array(L);
  for (let t = Math.max(1, start); t < start + len; t++) {
    for (let a = 0; a < L; a++) d[a] = ((leads[a] as Int32Array)[t] as number) - ((leads[a] as Int32Array)[t - 1] as number);
    for (let a = 0; a < L; a++) {
      const da = d[a] as number;
      for (let b = 0; b <= a; b++) S[a * L + b] = (S[a * L + b] as number) + da * (d[b] as number);
    }
  }
  const s = (a: number, b: number) => (a >= b ? S[a * L + b] : S[b * L + a]) as number;
  const out: number[][] = [];
  for (let j = 0; j < L; j++) {
    const chosen: number[] = [];
    // Gain of regressing d_j on one lead, then on a pair (2×2 normal equations).
    let best = -1;
    let bestGain = 0;
    for (let i = 0; i < j; i++) {
      const g = s(i, i) > 0 ? s(j, i) ** 2 / s(i, i) : 0;
      if (g > bestGain) { bestGain = g; best = i; }
    }
    if (best >= 0 && max > 0) {
      chosen.push(best);
      let second = -1;
      let secondGain = bestGain;
      for (let i = 0; i < j && max > 1; i++) {
        if (i === best) continue;
        const a = s(best, best), b = s(best, i), c = s(i, i);
        const det = a * c - b * b;
        if (!(det > 1e-9 * a * c)) continue;
        const u = s(j, best), v = s(j, i);
        const g = (c * u * u - 2 * b * u * v + a * v * v) / det;
        if (g > secondGain) { secondGain = g; second = i; }
      }
      if (second >= 0) chosen.push(second);
    }
    out.push(chosen);
  }
  return out;
}
