/**
 * The numeric measures behind the ECG signal-quality check: plain functions
 * over one lead's samples, each a single O(n) pass (or a few), so ten seconds
 * of twelve leads at 500 Hz is measured in a few milliseconds on a post's
 * small computer. Thresholds live in signal-quality.ts; these only measure.
 */

/** Samples as millivolts: mV = (s − baseline) / unitsPerMv (protocol/ecg-recording.ts). */
export function toMillivolts(samples: ArrayLike<number>, baseline: number, unitsPerMv: number): Float64Array {
  const out = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = ((samples[i] as number) - baseline) / unitsPerMv;
  return out;
}

/**
 * The longest stretch whose peak-to-peak stays within `tolerance`. Two
 * pointers with monotone deques of indices (sliding min and max), so each
 * sample enters and leaves each deque once.
 */
export function longestFlatRun(x: Float64Array, tolerance: number): { start: number; length: number } {
  const n = x.length;
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0, maxTail = 0, minHead = 0, minTail = 0;
  let left = 0;
  let best = { start: 0, length: 0 };
  for (let right = 0; right < n; right++) {
    const v = x[right]!;
    while (maxTail > maxHead && x[maxQ[maxTail - 1]!]! <= v) maxTail--;
    maxQ[maxTail++] = right;
    while (minTail > minHead && x[minQ[minTail - 1]!]! >= v) minTail--;
    minQ[minTail++] = right;
    while (x[maxQ[maxHead]!]! - x[minQ[minHead]!]! > tolerance) {
      left++;
      if (maxQ[maxHead]! < left) maxHead++;
      if (minQ[minHead]! < left) minHead++;
    }
    if (right - left + 1 > best.length) best = { start: left, length: right - left + 1 };
  }
  return best;
}

export interface RailRuns {
  /** Samples that sit in a run of at least `minRun` samples at a rail. */
  samples: number;
  /** How many such runs. */
  runs: number;
  /** The longest such run, in samples. */
  longest: number;
}

/**
 * Runs of consecutive samples at or beyond a rail (`<= low` or `>= high`,
 * staying on the same side). Raw integers, because a clipped ADC gives the
 * very same code again and again.
 */
export function railRuns(samples: ArrayLike<number>, low: number, high: number, minRun: number): RailRuns {
  let total = 0, runs = 0, longest = 0, run = 0, side = 0;
  const close = (): void => {
    if (run < minRun) return;
    total += run;
    runs++;
    if (run > longest) longest = run;
  };
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    const s = v >= high ? 1 : v <= low ? -1 : 0;
    if (s !== 0 && s === side) run++;
    else {
      close();
      run = s === 0 ? 0 : 1;
      side = s;
    }
  }
  close();
  return { samples: total, runs, longest };
}

export function extremes(samples: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Moving average of exactly `width` samples (so a width of one mains period
 * nulls the mains), centred (half a sample late for an even width); the
 * window shrinks at the ends instead of padding.
 */
export function movingAverage(x: Float64Array, width: number): Float64Array {
  const n = x.length;
  const w = Math.max(1, Math.round(width));
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const before = Math.floor(w / 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = i - before;
    if (a >= 0 && a + w <= n) {
      out[i] = (prefix[a + w]! - prefix[a]!) / w;
      continue;
    }
    const lo = Math.max(0, a);
    const hi = Math.min(n, a + w);
    out[i] = (prefix[hi]! - prefix[lo]!) / (hi - lo);
  }
  return out;
}

/**
 * The very-low-frequency baseline: two cascaded moving averages of 1 s and
 * 0.6 s. A 1 s boxcar alone lets through beats slower than 60/min (its first
 * null is at 1 Hz); the second box fills its sidelobes, leaving what moves
 * below about 0.5 Hz — breathing, sweat, a loose electrode.
 */
export function baselineOf(x: Float64Array, fs: number): Float64Array {
  return movingAverage(movingAverage(x, Math.round(fs)), Math.round(fs * 0.6));
}

export function rms(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return x.length ? Math.sqrt(sum / x.length) : 0;
}

/**
 * Amplitude (peak, same units as x) of the component at `hz`, by the
 * Goertzel recurrence over 1 s blocks with a Hann window, averaged in power.
 * One-second blocks give a 1 Hz wide bin, so real mains drifting ±0.2 Hz
 * around its nominal frequency still falls inside it; the window keeps the
 * QRS energy in neighbouring frequencies from leaking in.
 */
export function toneAmplitude(x: Float64Array, fs: number, hz: number): number {
  const block = Math.min(x.length, Math.round(fs));
  if (block < 2) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / fs);
  const hann = new Float64Array(block);
  for (let i = 0; i < block; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (block - 1));
  let power = 0, blocks = 0;
  for (let start = 0; start + block <= x.length; start += block) {
    let s1 = 0, s2 = 0;
    for (let i = 0; i < block; i++) {
      const s0 = hann[i]! * x[start + i]! + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    // |X|² of the Goertzel output; a Hann window's coherent gain is 1/2, so A = 4|X|/N.
    const mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    power += (16 * mag2) / (block * block);
    blocks++;
  }
  return Math.sqrt(power / blocks);
}

/**
 * The q-quantile (0–1) of x, without changing x: Hoare's selection on a copy,
 * O(n) on average, because sorting every lead's 5000 samples cost more than
 * all the other measures together.
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  const n = x.length;
  if (n === 0) return 0;
  const a = Float64Array.from(x);
  const k = Math.min(n - 1, Math.max(0, Math.floor(q * (n - 1))));
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i++] = a[j]!;
        a[j--] = tmp;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
