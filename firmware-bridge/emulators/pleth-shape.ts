/**
 * A believable finger for emulated pulse oximeters: a photoplethysmogram
 * (PPG) that beats at the heart rate with a real pulse shape, and SpO2 /
 * pulse / perfusion numbers that drift slowly the way a resting patient's
 * do. Pure and seeded, so a test can replay any run.
 *
 * The beat shape is the usual two-Gaussian PPG model (a systolic wave and a
 * smaller, later diastolic/reflected wave; e.g. Tang et al., "PPG signal
 * modelling with Gaussian functions", and the PPG morphology reviews by
 * Allen 2007). Their sum has a fast upstroke, a slower run-off and a
 * dicrotic notch between the two waves — not a sine.
 */
import { mulberry32 } from '../../lib/prng.js';

const SYSTOLIC = { at: 0.22, width: 0.07, height: 1 };
const DIASTOLIC = { at: 0.48, width: 0.09, height: 0.45 };

const gauss = (x: number, at: number, width: number): number => Math.exp(-0.5 * ((x - at) / width) ** 2);

/**
 * One heartbeat's PPG, phase 0..1 (0 = foot of the upstroke) → about 0..1.
 * The notch sits near phase 0.37, the diastolic peak near 0.48.
 */
export function plethBeatShape(phase: number): number {
  const p = phase - Math.floor(phase);
  return SYSTOLIC.height * gauss(p, SYSTOLIC.at, SYSTOLIC.width) + DIASTOLIC.height * gauss(p, DIASTOLIC.at, DIASTOLIC.width);
}

export interface PulseOxSample {
  /** Device waveform units, 0..127 (Contec sends 7 bits). */
  pleth: number;
  /** Contec's pulse-intensity bar, 0..15, rising and falling with the wave. */
  bar: number;
  /** True on the sample where a new beat starts (the device beeps). */
  beat: boolean;
  pulseBpm: number;
  spo2: number;
  /** Perfusion index in %. */
  perfusionIndex: number;
}

export interface PulseOxModelOptions {
  heartRateBpm?: number;
  spo2?: number;
  perfusionIndex?: number;
  seed?: number;
}

/**
 * The patient behind the probe. Heart rate wanders ±3 bpm around its base
 * (slow sinusoid plus a small random walk); SpO2 takes a step of one point
 * now and then, kept within ±1 of its base (96–98 for the default 97);
 * breathing (0.25 Hz) swings the pulse amplitude by about ±8 %.
 */
export class PulseOxModel {
  private readonly random: () => number;
  private readonly baseHr: number;
  private readonly baseSpo2: number;
  private readonly basePi: number;
  private timeMs = 0;
  private phase = 0;
  private hrWalk = 0;
  private spo2: number;
  private nextSpo2StepMs = 4000;

  constructor(opts: PulseOxModelOptions = {}) {
    this.random = mulberry32(opts.seed ?? 1);
    this.baseHr = opts.heartRateBpm ?? 72;
    this.baseSpo2 = opts.spo2 ?? 97;
    this.basePi = opts.perfusionIndex ?? 3.5;
    this.spo2 = this.baseSpo2;
  }

  /** The heart rate right now, before rounding. */
  heartRate(): number {
    return this.baseHr + 2 * Math.sin((2 * Math.PI * this.timeMs) / 30_000) + this.hrWalk;
  }

  /** Moves the patient on by `dtMs` and returns what the sensor sees. */
  next(dtMs: number): PulseOxSample {
    this.timeMs += dtMs;
    this.hrWalk = clamp(this.hrWalk + (this.random() - 0.5) * 0.05, -1, 1);
    const hr = this.heartRate();
    this.phase += (dtMs / 60_000) * hr;
    const beat = this.phase >= 1;
    this.phase -= Math.floor(this.phase);
    this.driftSpo2();
    const breath = 1 + 0.08 * Math.sin((2 * Math.PI * this.timeMs) / 4000);
    const shape = plethBeatShape(this.phase) * breath;
    const pleth = clamp(Math.round(8 + 85 * shape + (this.random() - 0.5) * 1.5), 0, 127);
    return {
      pleth,
      bar: Math.min(15, Math.floor((pleth * 15) / 127)),
      beat,
      pulseBpm: Math.round(hr),
      spo2: this.spo2,
      perfusionIndex: Math.round(this.basePi * breath * 100) / 100,
    };
  }

  private driftSpo2(): void {
    if (this.timeMs < this.nextSpo2StepMs) return;
    this.nextSpo2StepMs = this.timeMs + 3000 + this.random() * 5000;
    const step = this.random() < 0.5 ? -1 : 1;
    this.spo2 = clamp(this.spo2 + step, this.baseSpo2 - 1, Math.min(100, this.baseSpo2 + 1));
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
