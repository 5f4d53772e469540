/**
 * Context-modelled coding of prediction residuals for the ECG codec, on the
 * binary range coder of bit-io.ts. A residual r is coded as its magnitude
 * class b = bitLength(|r|) (0–24) by a 5-level binary tree, then its sign and
 * the b − 1 bits under the leading one: the top two of those are modelled
 * (within a class, small values are more likely), the rest sent as is. The
 * sign is modelled on the two previous signs: residuals of a block-wide LPC
 * fit stay correlated, and that alone measured 1.1 % smaller.
 *
 * The context is the lead's recent residual size — a running sum of |r|
 * decaying by 1/4 per sample (like LOCO-I's A counter, JPEG-LS ITU-T T.87
 * §A.6, but decaying continuously; 1/2 and 1/8 measured worse) — in
 * half-octave steps, so a quiet baseline and a QRS complex each get their
 * own statistics, as adaptive Rice codes do with a single parameter.
 *
 * Probabilities start from what a two-sided geometric residual with the
 * context's mean size would give (the model behind Rice codes, Gallager & van
 * Voorhis 1975), not from ½, so a 10-second record does not pay for
 * learning that a quiet context rarely sees a 12-bit residual.
 */
import { POW2, RangeDecoder, RangeEncoder, probabilities, setProbability } from './bit-io.js';

/** |residual| < 2^24 (the predictor is clamped to the 24-bit range), so b ≤ 24. */
export const MAX_CLASS = 24;
/** Modelled decisions per residual, at least: the class tree. */
export const DECISIONS_PER_RESIDUAL = 5;
const CONTEXTS = 40;
const DECAY = 2;

function bitLength(v: number): number {
  return 32 - Math.clz32(v);
}

/**
 * θ^(2^j) for j = 0..MAX_CLASS by repeated squaring: the decoder builds the
 * same priors, so only exactly-rounded × is used (`**` is approximate, bit-io.ts).
 */
function squarings(theta: number): number[] {
  const t = [theta];
  for (let j = 1; j <= MAX_CLASS; j++) t.push((t[j - 1] as number) * (t[j - 1] as number));
  return t;
}

/** Initial tree and top-bit probabilities of each context (see above). */
function priors(): { tree: Uint16Array; top: Uint16Array } {
  const tree = probabilities(CONTEXTS * 32);
  const top = probabilities(CONTEXTS * 32);
  for (let c = 0; c < CONTEXTS; c++) {
    // Middle of the context's range of sums; the sum is 2^DECAY times the mean.
    const sum = c < 2 ? c + 0.5 : (POW2[(c + 2) >> 1] as number) * (c % 2 ? 0.875 : 0.625);
    const mean = Math.max(0.05, sum / (POW2[DECAY] as number));
    const theta = mean / (1 + mean);
    // P(|r| ≥ 2^j) = θ^(2^j) for a geometric |r| with P(a) ∝ θ^a.
    const sq = squarings(theta);
    const at = (j: number) => sq[j] as number;
    const classMass = (b: number) => (b === 0 ? 1 - theta : at(b - 1) - at(b));
    // Tree node covering classes [lo, lo + span): probability its left half is taken.
    const fill = (node: number, lo: number, span: number) => {
      if (span === 1) return;
      const half = span / 2;
      let left = 0;
      let all = 0;
      for (let b = lo; b < lo + span && b <= MAX_CLASS; b++) {
        const p = classMass(b);
        all += p;
        if (b < lo + half) left += p;
      }
      if (all > 0) setProbability(tree, c * 32 + node, left / all);
      fill(2 * node, lo, half);
      fill(2 * node + 1, lo + half, half);
    };
    fill(1, 0, 32);
    for (let b = 2; b <= MAX_CLASS; b++) {
      // Top bit 0: |r| in [2^(b−1), 1.5·2^(b−1)); θ^(1.5·2^(b−1)) = θ^(2^(b−1))·θ^(2^(b−2)).
      const all = at(b - 1) - at(b);
      if (all > 0) setProbability(top, c * 32 + b, (at(b - 1) - at(b - 1) * at(b - 2)) / all);
    }
  }
  return { tree, top };
}

const PRIORS = priors();

/** Adaptive state; one per lead, so each lead keeps its own running size. */
export class ResidualModel {
  readonly tree = PRIORS.tree.slice();
  readonly top = PRIORS.top.slice();
  readonly second = probabilities(32 * 2);
  /** By the two previous signs (0 none, 1 +, 2 −: 9 states) and class 1, 2, ≥ 3. */
  readonly signs = probabilities(9 * 4);
  sum = 0;
  lastSign = 0;

  context(): number {
    const s = this.sum;
    const bl = bitLength(s);
    const c = bl < 2 ? bl : 2 * bl - 2 + ((s >>> (bl - 2)) & 1);
    return c < CONTEXTS ? c : CONTEXTS - 1;
  }

  update(a: number): void {
    this.sum += a - (this.sum >>> DECAY);
  }
}

export function encodeResidual(enc: RangeEncoder, m: ResidualModel, r: number): void {
  const a = r < 0 ? -r : r;
  const b = bitLength(a);
  const ctx = m.context();
  const base = ctx * 32;
  let node = 1;
  for (let i = 4; i >= 0; i--) {
    const bit = (b >>> i) & 1;
    enc.bit(m.tree, base + node, bit);
    node = 2 * node + bit;
  }
  if (b > 0) {
    enc.bit(m.signs, m.lastSign * 4 + (b < 3 ? b : 3), r < 0 ? 1 : 0);
    if (b >= 2) {
      const t = (a >>> (b - 2)) & 1;
      enc.bit(m.top, base + b, t);
      if (b >= 3) {
        enc.bit(m.second, 2 * b + t, (a >>> (b - 3)) & 1);
        enc.direct(a, b - 3);
      }
    }
  }
  m.update(a);
  m.lastSign = (m.lastSign % 3) * 3 + (r < 0 ? 2 : r > 0 ? 1 : 0);
}

/** The residual, or NaN for a magnitude class no encoder writes (corrupt input). */
export function decodeResidual(dec: RangeDecoder, m: ResidualModel): number {
  const base = m.context() * 32;
  let node = 1;
  for (let i = 0; i < 5; i++) node = 2 * node + dec.bit(m.tree, base + node);
  const b = node - 32;
  if (b === 0) {
    m.update(0);
    m.lastSign = (m.lastSign % 3) * 3;
    return 0;
  }
  if (b > MAX_CLASS) return Number.NaN;
  const negative = dec.bit(m.signs, m.lastSign * 4 + (b < 3 ? b : 3));
  m.lastSign = (m.lastSign % 3) * 3 + (negative ? 2 : 1);
  let a = 1;
  if (b >= 2) {
    const t = dec.bit(m.top, base + b);
    a = 2 + t;
    if (b >= 3) {
      a = 2 * a + dec.bit(m.second, 2 * b + t);
      a = a * (POW2[b - 3] as number) + dec.direct(b - 3);
    }
  }
  m.update(a);
  return negative ? -a : a;
}
