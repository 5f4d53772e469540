/**
 * The signal-quality check an ECG capture must pass before the bridge stores
 * it. Pure: a recording in, a verdict out, with one problem per thing the
 * nurse can fix ("re-attach the electrode on V3"). Each problem carries a
 * stable `code` (a UI translates by code; `detail` is plain English for logs
 * and English screens) and the measured values it was judged on.
 *
 * Per-lead checks and their limits are in lead-quality.ts; this file adds
 * what belongs to the whole recording: its length, leads the device reports
 * off, and whether a heartbeat can be found at all.
 */
import type { EcgLead, EcgRecording } from '../../protocol/ecg-recording.js';
import { analyseLead, fmt, type LeadAnalysis, type LeadContext, type LeadMetrics } from './lead-quality.js';
import { detectBeats } from './qrs-detector.js';

export type QualityCode =
  | 'unreadable'
  | 'tooShort'
  | 'leadOff'
  | 'flatLine'
  | 'saturation'
  | 'mainsNoise'
  | 'baselineWander'
  | 'noHeartbeat';

export interface QualityProblem {
  code: QualityCode;
  /** The lead (or electrode, for leadOff) concerned; absent for the whole recording. */
  lead?: string;
  /** 'reject': the capture is not stored; 'warn': stored, but worth a second look. */
  severity: 'reject' | 'warn';
  detail: string;
  /** What was measured and the limit it was held to (units in the key: Mv, Seconds, Bpm). */
  measured: Readonly<Record<string, number>>;
}

export interface QualityOptions {
  /** Mains frequency: Peru is 60 Hz; some imported equipment is set up for 50 Hz. */
  mainsHz?: 50 | 60;
  /** Leads or electrodes the device reports as not connected (EcgReading.leadOff). */
  leadOff?: readonly string[];
  /** The ADC's output range in raw units, when known: samples at these rails are clipped. */
  adcRange?: { min: number; max: number };
  /** Shortest acceptable capture, seconds. */
  minSeconds?: number;
}

export interface LeadQuality {
  name: string;
  problems: QualityProblem[];
  /** null when the lead could not be measured at all (see its 'unreadable' problem). */
  metrics: LeadMetrics | null;
}

export interface QualityReport {
  accepted: boolean;
  durationSeconds: number;
  /** From all usable leads together; null when no heartbeat was found. */
  heartRateBpm: number | null;
  /** Sample index of each beat found. */
  beats: number[];
  /** How far beats stand above the background in all usable leads together (noise: about 1.2). */
  qrsProminence: number;
  leads: LeadQuality[];
  /** Every problem: the recording's own, then each lead's in lead order. */
  problems: QualityProblem[];
}

export const RECORD_LIMITS = Object.freeze({
  /** A resting 12-lead ECG is 10 s (AHA/ACCF/HRS 2007 standardisation recommendations). */
  minSeconds: 10,
  /** The physiological range the bridge accepts: below 20/min or above 300/min is not a rhythm we can have found. */
  minHeartRateBpm: 20,
  maxHeartRateBpm: 300,
  /**
   * Typical beat over background in the summed slope amplitude. Gaussian noise gives 1.5–2.1
   * on one lead and about 1.2 on twelve (seeded runs at 128–1000 Hz); the weakest 10 s window
   * of the real records gives 4.5 (MIT-BIH 208, SVDB 800), the weakest single real lead 2.7.
   */
  minProminence: 2.5,
});

export function assessSignalQuality(rec: EcgRecording, opts: QualityOptions = {}): QualityReport {
  const fs = rec.samplingFrequency;
  if (!(Number.isFinite(fs) && fs > 0) || rec.leads.length === 0) return unreadableRecord(rec);
  const mainsHz = opts.mainsHz ?? 60;
  const minSeconds = opts.minSeconds ?? RECORD_LIMITS.minSeconds;
  const durationSeconds = Math.min(...rec.leads.map((l) => l.samples.length)) / fs;
  const recordProblems: QualityProblem[] = [];
  if (durationSeconds < minSeconds) {
    recordProblems.push({
      code: 'tooShort', severity: 'reject',
      detail: `The recording is ${fmt(durationSeconds, 1)} s long; at least ${minSeconds} s are needed: record again and keep the electrodes on until it finishes.`,
      measured: { seconds: durationSeconds, limitSeconds: minSeconds },
    });
  }
  const off = new Set((opts.leadOff ?? []).map((n) => n.toLowerCase()));
  const analyses = rec.leads.map((lead) => assessLead(lead, off.has(lead.name.toLowerCase()), { fs, mainsHz, adcRange: opts.adcRange }));
  for (const name of opts.leadOff ?? []) {
    // An electrode (RA, LA, LL, RL) feeds several leads, so the device may name one we do not record.
    if (!rec.leads.some((l) => l.name.toLowerCase() === name.toLowerCase())) recordProblems.push(leadOffProblem(name));
  }
  const heart = durationSeconds < minSeconds ? undefined : heartbeat(analyses, fs);
  if (heart?.problem) recordProblems.push(heart.problem);
  const leads = rec.leads.map((l, i) => ({ name: l.name, problems: analyses[i]!.problems, metrics: analyses[i]!.analysis?.metrics ?? null }));
  const problems = [...recordProblems, ...leads.flatMap((l) => l.problems)];
  return {
    accepted: !problems.some((p) => p.severity === 'reject'),
    durationSeconds,
    heartRateBpm: heart?.bpm ?? null,
    beats: heart?.beats ?? [],
    qrsProminence: heart?.prominence ?? 0,
    leads,
    problems,
  };
}

interface AssessedLead {
  analysis: LeadAnalysis | undefined;
  problems: QualityProblem[];
}

function assessLead(lead: EcgLead, isOff: boolean, ctx: LeadContext): AssessedLead {
  if (!(Number.isFinite(lead.unitsPerMv) && lead.unitsPerMv !== 0 && Number.isFinite(lead.baseline)) || lead.samples.length === 0) {
    return {
      analysis: undefined,
      problems: [{
        code: 'unreadable', lead: lead.name, severity: 'reject',
        detail: `Lead ${lead.name} has no samples or no calibration (units per mV ${lead.unitsPerMv}): the device sent something the bridge cannot read.`,
        measured: { samples: lead.samples.length },
      }],
    };
  }
  const analysis = analyseLead(lead, ctx);
  // The device knows the electrode is off; whatever else the floating input shows
  // (hum, drift, a flat line) follows from that, so the nurse gets one instruction.
  return { analysis, problems: isOff ? [leadOffProblem(lead.name)] : analysis.problems };
}

function leadOffProblem(name: string): QualityProblem {
  return {
    code: 'leadOff', lead: name, severity: 'reject',
    detail: `The device reports the electrode for ${name} is off: re-attach it (clean, dry skin; fresh gel) and record again.`,
    measured: {},
  };
}

/**
 * One heartbeat detection over all leads that passed their own checks: each
 * lead's slope amplitude divided by its background, summed. A beat shows in
 * every lead at once, so the sum favours it; a noisy lead only adds a little
 * to the background, and a lead whose QRS is small still helps.
 */
interface Heartbeat {
  bpm: number | null;
  beats: number[];
  prominence: number;
  problem?: QualityProblem;
}

function heartbeat(analyses: AssessedLead[], fs: number): Heartbeat {
  const usable = analyses.filter((a) => a.analysis && a.analysis.slopeBackground > 0 && !a.problems.some((p) => p.severity === 'reject'));
  if (usable.length === 0) {
    // Every lead already has a reason to be rejected; "no heartbeat" would add nothing to fix.
    return { bpm: null, beats: [], prominence: 0 };
  }
  const n = Math.min(...usable.map((a) => a.analysis!.slope.length));
  const sum = new Float64Array(n);
  for (const { analysis } of usable) {
    const { slope, slopeBackground } = analysis!;
    for (let i = 0; i < n; i++) sum[i] = sum[i]! + slope[i]! / slopeBackground;
  }
  const qrs = detectBeats(sum, fs);
  const bpm = qrs.heartRateBpm;
  const L = RECORD_LIMITS;
  if (qrs.prominence >= L.minProminence && bpm !== null && bpm >= L.minHeartRateBpm && bpm <= L.maxHeartRateBpm) {
    for (const a of usable) if (a.analysis!.metrics.qrsProminence < L.minProminence) a.problems.push(silentLead(a.analysis!));
    return { bpm, beats: qrs.beats, prominence: qrs.prominence };
  }
  const found = qrs.prominence >= L.minProminence && bpm !== null ? ` (found ${fmt(bpm, 0)}/min, outside ${L.minHeartRateBpm}–${L.maxHeartRateBpm})` : '';
  return {
    bpm: null,
    beats: [],
    prominence: qrs.prominence,
    problem: {
      code: 'noHeartbeat', severity: 'reject',
      detail: `No heartbeat can be found in the recording${found}: check every electrode is on the skin and the patient is still, then record again.`,
      measured: { prominence: qrs.prominence, limitProminence: L.minProminence, ...(bpm === null ? {} : { heartRateBpm: bpm }) },
    },
  };
}

/**
 * The other leads show a heartbeat and this one does not: most likely an electrode that
 * is off on a device without lead-off detection. A warning, because the other leads still
 * carry the rhythm, and a lead with a truly tiny QRS would look the same.
 */
function silentLead(a: LeadAnalysis): QualityProblem {
  return {
    code: 'noHeartbeat', lead: a.name, severity: 'warn',
    detail: `Lead ${a.name} shows no heartbeat while the others do: check its electrode.`,
    measured: { prominence: a.metrics.qrsProminence, limitProminence: RECORD_LIMITS.minProminence },
  };
}

function unreadableRecord(rec: EcgRecording): QualityReport {
  const problem: QualityProblem = {
    code: 'unreadable', severity: 'reject',
    detail: rec.leads.length === 0 ? 'The recording holds no leads.' : `The recording's sampling frequency (${rec.samplingFrequency}) is not usable.`,
    measured: { leads: rec.leads.length },
  };
  return {
    accepted: false, durationSeconds: 0, heartRateBpm: null, beats: [], qrsProminence: 0,
    leads: rec.leads.map((l) => ({ name: l.name, problems: [], metrics: null })),
    problems: [problem],
  };
}
