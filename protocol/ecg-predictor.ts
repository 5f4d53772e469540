/**
 * Linear prediction for the ECG codec: a sample is predicted from its own
 * lead's previous samples (FLAC's quantised LPC, RFC 9639 §9.2.6) plus, for
 * the second and later leads, the current and previous samples of up to two
 * leads already coded at that instant. Limb leads are sums of two electrode
 * differences (Einthoven: III = II − I; Goldberger: aVR = −(I + II)/2, …), so
 * with two reference leads a derived lead leaves little more than rounding;
 * precordial leads share the heart's timing and shape with their neighbours.
 *
 * The encoder fits the coefficients by least squares over each block (the
 * covariance method: the normal equations solved by LDLᵀ, which also gives
 * the residual energy of every shorter order at once) and quantises them with
 * FLAC's error feedback. The prediction itself is integer arithmetic done in
 * doubles — every product and sum stays below 2^53 (|c| < 2^15, |x| < 2^24,
 * ≤ 36 terms) — so encoder and decoder agree bit for bit on any machine.
 */

export const MAX_ORDER = 32;
export const MAX_REFS = 2;
/** Each reference lead enters at lags 0 and 1. */
export const REF_LAGS = 2;
export const MAX_QSHIFT = 31;
/** Coefficients are signed and fit in this many bits. */
export const MAX_COEF_BITS = 16;
const PRECISION = 14;

export interface Predictor {
  order: number;
  refs: number[];
  qshift: number;
  /** order own-lag coefficients, then REF_LAGS per reference. */
  coefs: Int32Array;
}

import { POW2 } from './bit-io.js';

/**
 * Prediction of own-lead value at block index i. `hist[MAX_ORDER + i − k]` is
 * the own value k samples back; `refs[r][t]` the reference samples, t the
 * absolute index (t − 1 < 0 reads as 0, like history before the record).
 */
export function predict(p: Predictor, hist: Float64Array, i: number, refs: Int32Array[], t: number): number {
  const c = p.coefs;
  let s = 0;
  const at = MAX_ORDER + i;
  for (let k = 0; k < p.order; k++) s += (c[k] as number) * (hist[at - 1 - k] as number);
  for (let r = 0, j = p.order; r < refs.length; r++, j += REF_LAGS) {
    const x = refs[r] as Int32Array;
    s += (c[j] as number) * (x[t] as number);
    if (t > 0) s += (c[j + 1] as number) * (x[t - 1] as number);
  }
  return Math.floor(s / (POW2[p.qshift] as number) + 0.5);
}

/** LDLᵀ of the Gram matrix restricted to `idx`; energy[k] is the residual energy with the first k regressors. */
function ldl(G: Float64Array, m: number, idx: number[], target: number) {
  const k = idx.length;
  const L = new Float64Array(k * k);
  const D = new Float64Array(k);
  const w = new Float64Array(k);
  const energy = new Float64Array(k + 1);
  const g = (a: number, b: number) => (a <= b ? G[a * m + b] : G[b * m + a]) as number;
  energy[0] = g(target, target);
  let usable = k;
  for (let j = 0; j < k; j++) {
    let d = g(idx[j] as number, idx[j] as number) * (1 + 1e-10) + 1e-9;
    for (let q = 0; q < j; q++) d -= (L[j * k + q] as number) ** 2 * (D[q] as number);
    if (!(d > 1e-9 * (g(idx[j] as number, idx[j] as number) + 1))) { usable = j; break; }
    D[j] = d;
    for (let i = j + 1; i < k; i++) {
      let v = g(idx[i] as number, idx[j] as number);
      for (let q = 0; q < j; q++) v -= (L[i * k + q] as number) * (L[j * k + q] as number) * (D[q] as number);
      L[i * k + j] = v / d;
    }
    let v = g(idx[j] as number, target);
    for (let q = 0; q < j; q++) v -= (L[j * k + q] as number) * (w[q] as number);
    w[j] = v;
    energy[j + 1] = (energy[j] as number) - (v * v) / d;
  }
  const solve = (n: number): Float64Array => {
    const c = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let v = (w[i] as number) / (D[i] as number);
      for (let q = i + 1; q < n; q++) v -= (L[q * k + i] as number) * (c[q] as number);
      c[i] = v;
    }
    return c;
  };
  return { energy, usable, solve };
}

/** FLAC's quantisation (libFLAC lpc.c, quantize_coefficients): shift to PRECISION bits, carrying the rounding error. */
function quantise(c: Float64Array): { qshift: number; q: Int32Array } | undefined {
  let cmax = 0;
  for (const v of c) cmax = Math.max(cmax, Math.abs(v));
  if (!(cmax > 0) || !Number.isFinite(cmax)) return undefined;
  const qshift = Math.min(MAX_QSHIFT, PRECISION - 1 - Math.ceil(Math.log2(cmax + 1e-12)));
  if (qshift < 0) return undefined;
  const lim = 2 ** (MAX_COEF_BITS - 1) - 1;
  const q = new Int32Array(c.length);
  let err = 0;
  for (let i = 0; i < c.length; i++) {
    err += (c[i] as number) * 2 ** qshift;
    const v = Math.max(-lim, Math.min(lim, Math.round(err)));
    q[i] = v;
    err -= v;
  }
  return { qshift, q };
}

/** Bits a block's residuals would take at energy e (Laplacian estimate), plus side information. */
function estimate(len: number, e: number, params: number, refs: number): number {
  return 0.5 * len * Math.log2(Math.max(e / len, 0.25)) + params * (PRECISION + 1) + refs * 6;
}

/**
 * Upper triangle of the Gram matrix of [own lags 1..MAX_ORDER, reference
 * lags, target]. Sums of lagged products are shift-invariant up to edge
 * terms: with C(a,b) = Σ u[i−a]·u[i−b] over the block, C(a+1,b+1) = C(a,b) +
 * the product entering at the front − the one leaving at the back. So only
 * lag 0's row (and each reference's lag-0 column) is summed in full:
 * O(len·order) per block instead of O(len·order²).
 */
/** out[k] = Σ_{i<len} u[uo + i] · v[vo + i − k] for k = 0..count−1; four lags per pass, so u is read once per four. */
function lagDots(u: Float64Array, uo: number, v: Float64Array, vo: number, len: number, count: number, out: Float64Array): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const b = vo - k;
    for (let i = 0; i < len; i++) {
      const x = u[uo + i] as number;
      s0 += x * (v[b + i] as number);
      s1 += x * (v[b + i - 1] as number);
      s2 += x * (v[b + i - 2] as number);
      s3 += x * (v[b + i - 3] as number);
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < count; k++) {
    let s0 = 0;
    for (let i = 0; i < len; i++) s0 += (u[uo + i] as number) * (v[vo + i - k] as number);
    out[k] = s0;
  }
}

function gram(hist: Float64Array, len: number, start: number, refs: Int32Array[], m: number): Float64Array {
  const P = MAX_ORDER;
  const W = P + 1;
  const G = new Float64Array(m * m);
  const C = new Float64Array(W * W);
  // hist[P + i] is own sample i of the block (i ≥ −P).
  lagDots(hist, P, hist, P, len, W, C);
  for (let a = 0; a < P; a++) {
    for (let b = a; b < P; b++) {
      const enter = (hist[P - 1 - a] as number) * (hist[P - 1 - b] as number);
      const leave = (hist[P + len - 1 - a] as number) * (hist[P + len - 1 - b] as number);
      C[(a + 1) * W + b + 1] = (C[a * W + b] as number) + enter - leave;
    }
  }
  // Lag a ≥ 1 is regressor a − 1; lag 0 is the target (m − 1).
  const slot = (a: number) => (a === 0 ? m - 1 : a - 1);
  const put = (x: number, y: number, v: number) => {
    if (x <= y) G[x * m + y] = v;
    else G[y * m + x] = v;
  };
  for (let a = 0; a <= P; a++) for (let b = a; b <= P; b++) put(slot(a), slot(b), C[a * W + b] as number);
  // Reference r at lag l against own lag a: E_l(a) = Σ u[i−a]·x[start+i−l];
  // E_1(a+1) = E_0(a) + front − back, as above.
  const xs = refs.map((x) => {
    const col = new Float64Array(len + 1); // col[i + 1] = x[start + i], col[0] = x[start − 1]
    for (let i = -1; i < len; i++) col[i + 1] = start + i >= 0 ? (x[start + i] as number) : 0;
    return col;
  });
  xs.forEach((col, r) => {
    const r0 = P + r * REF_LAGS;
    const e0 = new Float64Array(W);
    lagDots(col, 1, hist, P, len, W, e0);
    for (let a = 0; a <= P; a++) put(slot(a), r0, e0[a] as number);
    let s = 0;
    for (let i = 0; i < len; i++) s += (col[i] as number) * (hist[P + i] as number);
    put(slot(0), r0 + 1, s);
    for (let a = 0; a < P; a++) {
      const v = (e0[a] as number) + (hist[P - 1 - a] as number) * (col[0] as number) - (hist[P + len - 1 - a] as number) * (col[len] as number);
      put(slot(a + 1), r0 + 1, v);
    }
  });
  // Reference lags against each other: few, summed directly.
  for (let r = 0; r < xs.length * REF_LAGS; r++) {
    const ca = xs[r >> 1] as Float64Array;
    const la = r & 1;
    for (let q = r; q < xs.length * REF_LAGS; q++) {
      const cb = xs[q >> 1] as Float64Array;
      const lb = q & 1;
      let s = 0;
      for (let i = 0; i < len; i++) s += (ca[i + 1 - la] as number) * (cb[i + 1 - lb] as number);
      G[(P + r) * m + P + q] = s;
    }
  }
  return G;
}

/**
 * Fit a predictor for one lead over one block. `hist` as for predict();
 * `refs` the candidate reference leads' samples (at most MAX_REFS, best first).
 */
export function fitPredictor(hist: Float64Array, len: number, start: number, refs: Int32Array[], refIds: number[]): Predictor {
  const nr = refs.length * REF_LAGS;
  const m = MAX_ORDER + nr + 1; // regressors, then the target
  const target = m - 1;
  const G = gram(hist, len, start, refs, m);
  let best: { cost: number; p: Predictor } = { cost: estimate(len, G[target * m + target] as number, 0, 0), p: { order: 0, refs: [], qshift: 0, coefs: new Int32Array(0) } };
  for (let useRefs = 0; useRefs <= refs.length; useRefs++) {
    const idx: number[] = [];
    for (let r = 0; r < useRefs; r++) for (let l = 0; l < REF_LAGS; l++) idx.push(MAX_ORDER + r * REF_LAGS + l);
    const fixed = idx.length;
    for (let k = 0; k < MAX_ORDER; k++) idx.push(k);
    const f = ldl(G, m, idx, target);
    let bestK = -1;
    let bestCost = best.cost;
    for (let k = Math.max(1, fixed); k <= f.usable; k++) {
      const cost = estimate(len, f.energy[k] as number, k, useRefs);
      if (cost < bestCost) { bestCost = cost; bestK = k; }
    }
    if (bestK < 0) continue;
    const c = f.solve(bestK);
    // Stored order: own lags first, then the references' lags.
    const order = bestK - fixed;
    const stored = new Float64Array(bestK);
    stored.set(c.subarray(fixed), 0);
    stored.set(c.subarray(0, fixed), order);
    const q = quantise(stored);
    if (!q) continue;
    best = { cost: bestCost, p: { order, refs: refIds.slice(0, useRefs), qshift: q.qshift, coefs: q.q } };
  }
  return best.p;
}
