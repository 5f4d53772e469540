/**
 * One lead's part of the signal-quality check: measure (quality-measures.ts,
 * qrs-detector.ts), then compare with the limits below. Each limit says why
 * it sits where it does; the "real records" figures are what these measures
 * give on every 10 s window of the recordings in ../shared/data/ecg (MIT-BIH
 * 100 and 208, SVDB 800, PTB s0010_re, LUDB 1), see
 * test/firmware-bridge/capture/signal-quality.test.ts.
 */
import type { EcgLead } from '../../protocol/ecg-recording.js';
import { slopeAmplitude, detectBeats } from './qrs-detector.js';
import { baselineOf, extremes, longestFlatRun, railRuns, rms, toMillivolts, toneAmplitude, type RailRuns } from './quality-measures.js';
import type { QualityProblem } from './signal-quality.js';

export const LEAD_LIMITS = Object.freeze({
  /**
   * "Flat" is less than 10 µV peak to peak: below the noise of any real electrode on skin,
   * about two steps of a 5 µV/LSB recorder (MIT-BIH). The cleanest real lead here (LUDB,
   * 46 beats/min) stays that still for 0.6 s at most between beats.
   */
  flatToleranceMv: 0.01,
  /** Over 1 s flat is suspect (a warning): a pause between beats only lasts that long below ~40/min. */
  flatWarnSeconds: 1,
  /** A dead lead is flat for the whole capture; 2 s flat still leaves bradycardia down to ~25/min alone. */
  flatRejectSeconds: 2,
  /** A single sample at an extreme is a peak; clipping repeats the same code, so count runs of 2 or more. */
  clipMinRunSamples: 2,
  /**
   * Without the ADC's range, clipping shows as the lead's very min or max value recurring:
   * on the real records it recurs in at most 2 runs per 10 s; a clipped lead repeats it at
   * every beat that crosses the rail.
   */
  clipMinRuns: 3,
  /** ...or as one long stuck stretch (real records: 47 ms at most, SVDB at 128 Hz). */
  clipLongRunSeconds: 0.1,
  /** 50 ms clipped is the tops of several R waves: the voltage criteria (LVH, ST) are lost. */
  clipRejectSeconds: 0.05,
  /**
   * Mains hum is judged both in absolute size and against the lead's own ECG. P waves are
   * 0.1–0.25 mV and ST changes of 0.1 mV are diagnostic (Fourth Universal Definition of MI),
   * so 50 µV of hum hides them; but on a lead with a 3 mV QRS the same hum is harmless, hence
   * the ratio of hum RMS to ECG-band RMS as well. Real records: at most 30 µV and ratio 0.1.
   */
  mainsWarnMv: 0.025,
  mainsWarnRatio: 0.1,
  mainsRejectMv: 0.05,
  mainsRejectRatio: 0.2,
  /**
   * Baseline wander: a lead row on a printed 12-lead is about 3 mV tall at 10 mm/mV, so a
   * baseline that wanders 4 mV crosses into the next row and no ST level can be read.
   * Real records: up to 3.5 mV in MIT-BIH 208's noisy stretches, hence a warning from 2 mV.
   */
  wanderWarnMv: 2,
  wanderRejectMv: 4,
});

export interface LeadMetrics {
  /** Peak to peak of the whole lead, mV. */
  rangeMv: number;
  /** Longest stretch within flatToleranceMv. */
  flatSeconds: number;
  /** Time spent clipped (0 unless clipping was detected). */
  clippedSeconds: number;
  /** Separate clipped runs. */
  clipRuns: number;
  /** Mains amplitude (peak, mV) and its RMS over the ECG-band RMS; null when fs ≤ 2 × mains. */
  mainsMv: number | null;
  mainsRatio: number | null;
  /** Excursion of the very-low-frequency baseline, mV. */
  wanderMv: number;
  /** This lead's own beat detection, for information; the record's rate uses all good leads. */
  heartRateBpm: number | null;
  qrsProminence: number;
}

export interface LeadAnalysis {
  name: string;
  metrics: LeadMetrics;
  problems: QualityProblem[];
  /** Slope amplitude and its background, for the record-level heartbeat detector. */
  slope: Float64Array;
  slopeBackground: number;
}

export interface LeadContext {
  fs: number;
  mainsHz: 50 | 60;
  adcRange: { min: number; max: number } | undefined;
}

export function analyseLead(lead: EcgLead, ctx: LeadContext): LeadAnalysis {
  const { fs } = ctx;
  const x = toMillivolts(lead.samples, lead.baseline, lead.unitsPerMv);
  const baseline = baselineOf(x, fs);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! - baseline[i]!;
  const range = extremes(x);
  const wander = extremes(baseline);
  const clip = clipping(lead, ctx);
  const mains = mainsNoise(y, ctx);
  const slope = slopeAmplitude(y, fs, ctx.mainsHz);
  const qrs = detectBeats(slope, fs);
  const metrics: LeadMetrics = {
    rangeMv: x.length ? range.max - range.min : 0,
    flatSeconds: longestFlatRun(x, LEAD_LIMITS.flatToleranceMv).length / fs,
    clippedSeconds: clip.seconds,
    clipRuns: clip.runs,
    mainsMv: mains?.amplitudeMv ?? null,
    mainsRatio: mains?.ratio ?? null,
    wanderMv: x.length ? wander.max - wander.min : 0,
    heartRateBpm: qrs.heartRateBpm,
    qrsProminence: qrs.prominence,
  };
  return { name: lead.name, metrics, problems: leadProblems(lead.name, metrics, clip.detected), slope, slopeBackground: qrs.background };
}

/** Clipping: at the ADC rails when they are known, else the same extreme value again and again. */
function clipping(lead: EcgLead, ctx: LeadContext): { detected: boolean; seconds: number; runs: number } {
  const minRun = LEAD_LIMITS.clipMinRunSamples;
  let sides: RailRuns[];
  if (ctx.adcRange) {
    sides = [railRuns(lead.samples, ctx.adcRange.min, ctx.adcRange.max, minRun)].filter((r) => r.runs > 0);
  } else {
    const { min, max } = extremes(lead.samples);
    // A lead with one value throughout has no "extreme": that is a flat line, not clipping.
    if (!(max > min)) return { detected: false, seconds: 0, runs: 0 };
    // Each rail on its own, as measured: the top and the bottom each recur at most twice in real records.
    sides = [railRuns(lead.samples, -Infinity, max, minRun), railRuns(lead.samples, min, Infinity, minRun)]
      .filter((r) => r.runs >= LEAD_LIMITS.clipMinRuns || r.longest / ctx.fs >= LEAD_LIMITS.clipLongRunSeconds);
  }
  const samples = sides.reduce((sum, r) => sum + r.samples, 0);
  return { detected: sides.length > 0, seconds: samples / ctx.fs, runs: sides.reduce((sum, r) => sum + r.runs, 0) };
}

function mainsNoise(y: Float64Array, ctx: LeadContext): { amplitudeMv: number; ratio: number } | undefined {
  // Goertzel cannot see a frequency at or above Nyquist (a 100 Hz recorder and 60 Hz mains).
  if (ctx.fs <= 2 * ctx.mainsHz || y.length === 0) return undefined;
  const amplitudeMv = toneAmplitude(y, ctx.fs, ctx.mainsHz);
  const humRms = amplitudeMv / Math.SQRT2;
  const total = rms(y);
  // What is left once the hum is taken out is the ECG band (the baseline is already gone).
  const ecgRms = Math.sqrt(Math.max(total * total - humRms * humRms, 0));
  return { amplitudeMv, ratio: ecgRms > 0 ? humRms / ecgRms : humRms > 0 ? Infinity : 0 };
}

function leadProblems(lead: string, m: LeadMetrics, clipped: boolean): QualityProblem[] {
  const L = LEAD_LIMITS;
  const out: QualityProblem[] = [];
  const grade = (reject: boolean): 'reject' | 'warn' => (reject ? 'reject' : 'warn');
  if (clipped) {
    out.push({
      code: 'saturation', lead, severity: grade(m.clippedSeconds >= L.clipRejectSeconds),
      detail: `Lead ${lead} is clipped at the amplifier's limit for ${fmt(m.clippedSeconds * 1000, 0)} ms in ${m.clipRuns} places: check the electrode's contact and keep the patient still.`,
      measured: { clippedSeconds: m.clippedSeconds, runs: m.clipRuns, limitSeconds: L.clipRejectSeconds },
    });
  } else if (m.flatSeconds >= L.flatWarnSeconds) {
    // Clipping explains a stretch stuck at a rail better than "flat" does, so only one is said.
    out.push({
      code: 'flatLine', lead, severity: grade(m.flatSeconds >= L.flatRejectSeconds),
      detail: `Lead ${lead} is a flat line for ${fmt(m.flatSeconds, 1)} s: check that its electrode and cable are attached.`,
      measured: { flatSeconds: m.flatSeconds, limitSeconds: L.flatRejectSeconds, toleranceMv: L.flatToleranceMv },
    });
  }
  if (m.mainsMv !== null && m.mainsRatio !== null && m.mainsMv >= L.mainsWarnMv && m.mainsRatio >= L.mainsWarnRatio) {
    out.push({
      code: 'mainsNoise', lead, severity: grade(m.mainsMv >= L.mainsRejectMv && m.mainsRatio >= L.mainsRejectRatio),
      detail: `Lead ${lead} has ${fmt(m.mainsMv * 1000, 0)} µV of mains hum: move cables away from power cords, unplug the charger, check the electrode gel.`,
      measured: { amplitudeMv: m.mainsMv, ratio: m.mainsRatio, limitMv: L.mainsRejectMv, limitRatio: L.mainsRejectRatio },
    });
  }
  if (m.wanderMv >= L.wanderWarnMv) {
    out.push({
      code: 'baselineWander', lead, severity: grade(m.wanderMv >= L.wanderRejectMv),
      detail: `Lead ${lead} drifts by ${fmt(m.wanderMv, 1)} mV: ask the patient to lie still and breathe quietly, and check the electrode sticks well.`,
      measured: { wanderMv: m.wanderMv, limitMv: L.wanderRejectMv },
    });
  }
  return out;
}

export function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}
