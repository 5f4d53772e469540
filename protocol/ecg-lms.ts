/**
 * Second prediction stage: a normalised LMS filter on the first stage's
 * residuals (the cascade Monkey's Audio and OptimFROG use after a fixed
 * predictor). Block LPC leaves correlated residuals — their signs alone are
 * worth ~1 % (ecg-residual.ts) — and an adaptive filter follows the beat-to-
 * beat changes a block-wide fit averages away. Its inputs are this lead's
 * last LMS_TAPS first-stage residuals and the previous lead's at this instant
 * ±2 samples: that lead's whole block is already coded, so the decoder has
 * its "future" too, and a QRS complex shows in both at once.
 *
 * It runs in doubles using only + − × ÷ and Math.round, which ECMAScript
 * defines exactly (IEEE 754 binary64, round to nearest), so encoder and
 * decoder compute the same prediction on any machine — no `**`, no Math.exp.
 */
/** Measured on the shared records: 8 taps beat 2, 4, 16 and 32, and two filters in series (32 + 8, 8 + 2). */
export const LMS_TAPS = 8;
/** Step size; 0.005–0.02 all within 0.1 %. */
export const LMS_MU = 0.01;
/** Previous lead's residuals at offsets −CROSS_REACH..+CROSS_REACH (±1 measured 0.1 % worse). */
const CROSS_REACH = 2;

export class Lms {
  private readonly w: Float64Array;
  private readonly h: Float64Array;
  private energy = 0;
  private last = 0;

  private readonly x = new Float64Array(2 * CROSS_REACH + 1);
  private readonly wx = new Float64Array(2 * CROSS_REACH + 1);

  constructor(private readonly taps = LMS_TAPS, private readonly mu = LMS_MU) {
    this.w = new Float64Array(taps);
    this.h = new Float64Array(taps);
  }

  /** Before predict(): the previous lead's first-stage residuals of this block (none for the first lead), and where we are. */
  setCross(other: Float64Array | undefined, i: number, len: number): void {
    if (!other) return;
    for (let d = -CROSS_REACH; d <= CROSS_REACH; d++) this.x[d + CROSS_REACH] = i + d >= 0 && i + d < len ? (other[i + d] as number) : 0;
  }

  /** Prediction of the next first-stage residual, rounded to an integer. */
  predict(): number {
    const n = this.taps;
    let s = 0;
    for (let k = 0; k < n; k++) s += (this.w[k] as number) * (this.h[k] as number);
    for (let k = 0; k < this.x.length; k++) s += (this.wx[k] as number) * (this.x[k] as number);
    // Diverged (only on hostile input): start again from zero weights, on both sides alike.
    if (!(Math.abs(s) < 0x40000000)) {
      this.w.fill(0);
      this.wx.fill(0);
      s = 0;
    }
    this.last = s;
    return Math.round(s);
  }

  /** Learn from the actual first-stage residual `e` (|e| < 2^24, so sums of squares stay exact) and push it into the history. */
  update(e: number): void {
    let cross = 0;
    for (let k = 0; k < this.x.length; k++) cross += (this.x[k] as number) * (this.x[k] as number);
    const g = (this.mu * (e - this.last)) / (this.energy + cross + 1);
    const w = this.w;
    const h = this.h;
    const n = this.taps;
    for (let k = 0; k < n; k++) w[k] = (w[k] as number) + g * (h[k] as number);
    for (let k = 0; k < this.x.length; k++) this.wx[k] = (this.wx[k] as number) + g * (this.x[k] as number);
    const out = h[n - 1] as number;
    this.energy += e * e - out * out;
    for (let k = n - 1; k > 0; k--) h[k] = h[k - 1] as number;
    h[0] = e;
  }
}
