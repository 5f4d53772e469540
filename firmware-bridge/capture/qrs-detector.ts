/**
 * A small offline QRS detector in the style of Pan & Tompkins (IEEE Trans
 * Biomed Eng 32(3):230–236, 1985): smooth, differentiate, square, integrate
 * over 150 ms, then pick peaks against a threshold set between the
 * background and a typical beat. We hold the whole capture, so the levels are
 * taken from the capture's own statistics instead of running averages.
 * It only has to answer "is there a heartbeat, and how fast", not classify
 * beats.
 */
import { movingAverage, quantile } from './quality-measures.js';

export interface QrsResult {
  /** Sample index of each detected beat (the peak of the slope energy). */
  beats: number[];
  /** 60 / median RR interval; null with fewer than two beats. */
  heartRateBpm: number | null;
  /**
   * Typical beat over background, in slope amplitude. A real ECG lead is far
   * above 1 (the QRS slopes dominate); noise or a lead without a heartbeat is
   * near it (Gaussian noise: 1.5–2.1 on one lead).
   */
  prominence: number;
  /** The background slope amplitude (a low quantile), used to weigh leads when summing them. */
  background: number;
}

/** Pan & Tompkins' refractory period: no two QRS closer than 200 ms (that is 300 beats/min). */
const REFRACTORY_S = 0.2;
/** Pan & Tompkins' moving-window integration: about the widest QRS. */
const INTEGRATION_S = 0.15;
/** Below this RR a second peak may be a T wave (Pan & Tompkins use 360 ms too). */
const T_WAVE_RR_S = 0.36;

/** Slope energy: smoothed (nulls mains), differentiated over 20 ms, squared, integrated over 150 ms. */
export function slopeEnergy(y: Float64Array, fs: number, mainsHz: number): Float64Array {
  // A boxcar one mains period long has a zero at the mains frequency and its harmonics.
  const smooth = movingAverage(y, Math.max(1, Math.round(fs / mainsHz)));
  const n = smooth.length;
  const k = Math.max(1, Math.round(fs * 0.01));
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = smooth[Math.min(n - 1, i + k)]! - smooth[Math.max(0, i - k)]!;
    sq[i] = d * d;
  }
  return movingAverage(sq, Math.max(1, Math.round(fs * INTEGRATION_S)));
}

/** Local maxima of e that are the highest within ±radius samples (first sample of a plateau). */
function candidatePeaks(e: Float64Array, radius: number): number[] {
  const n = e.length;
  const q = new Int32Array(n);
  let head = 0, tail = 0, next = 0;
  const peaks: number[] = [];
  for (let i = 0; i < n; i++) {
    // Sliding max over [i − radius, i + radius].
    for (; next <= Math.min(n - 1, i + radius); next++) {
      while (tail > head && e[q[tail - 1]!]! <= e[next]!) tail--;
      q[tail++] = next;
    }
    while (q[head]! < i - radius) head++;
    const v = e[i]!;
    if (v > 0 && v >= e[q[head]!]! && (i === 0 || v > e[i - 1]!)) peaks.push(i);
  }
  return peaks;
}

/**
 * Slope amplitude: the square root of the slope energy, so thresholds are a
 * fraction of a beat's size rather than of its energy, and normal beats half
 * the size of ectopic ones still pass.
 */
export function slopeAmplitude(y: Float64Array, fs: number, mainsHz: number): Float64Array {
  const e = slopeEnergy(y, fs, mainsHz);
  for (let i = 0; i < e.length; i++) e[i] = Math.sqrt(e[i]!);
  return e;
}

/** Detect beats in one lead's baseline-free signal (mV). */
export function detectQrs(y: Float64Array, fs: number, mainsHz: number): QrsResult {
  return detectBeats(slopeAmplitude(y, fs, mainsHz), fs);
}

/** Detect beats in a slope amplitude: one lead's, or several leads' summed. */
export function detectBeats(a: Float64Array, fs: number): QrsResult {
  const candidates = candidatePeaks(a, Math.max(1, Math.round(fs * REFRACTORY_S)));
  // Background: most of an ECG is between beats, so a low quantile is the baseline
  // noise even at fast rates, where the QRS fills more of the record.
  const background = quantile(a, 0.3);
  // Typical beat: the median of the tallest candidates, as many as a rate of 20/min
  // would give, so one electrode pop does not set the scale for every beat.
  const heights = candidates.map((i) => a[i]!).sort((p, q) => q - p);
  const top = heights.slice(0, Math.max(2, Math.ceil(a.length / fs / 3)));
  const typical = top.length ? top[Math.floor(top.length / 2)]! : 0;
  const prominence = background > 0 ? typical / background : typical > 0 ? Infinity : 0;
  // Pan & Tompkins put the threshold a quarter of the way from noise to signal peaks.
  const threshold = background + 0.25 * (typical - background);
  const beats: number[] = [];
  for (const i of candidates) {
    if (a[i]! < threshold) continue;
    const prev = beats[beats.length - 1];
    // Close behind a beat and much smaller: a T wave, as in Pan & Tompkins' slope test.
    if (prev !== undefined && i - prev < T_WAVE_RR_S * fs && a[i]! < 0.5 * a[prev]!) continue;
    beats.push(i);
  }
  return { beats, heartRateBpm: heartRate(beats, fs), prominence, background };
}

function heartRate(beats: number[], fs: number): number | null {
  if (beats.length < 2) return null;
  const rr = beats.slice(1).map((b, i) => (b - beats[i]!) / fs);
  return 60 / quantile(rr, 0.5);
}
