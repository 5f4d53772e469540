/**
 * What the specialists' ECG viewer (app/public/ecg-viewer.js) draws, made
 * from an ECG attachment as it arrived. Pure: bytes in, a compact JSON-ready
 * object out.
 *
 * Only the lossless CQE form (application/vnd.chasqui.ecg, protocol/ecg-codec.ts)
 * is read. Posts convert WFDB, SCP-ECG and device captures to it before
 * sending (firmware-bridge/ecg/ecg-files.ts), and the WFDB reader lives in
 * firmware-bridge, which the hub does not import: reading raw .hea/.dat pairs
 * here would mean a second WFDB reader.
 *
 * Samples travel as little-endian Int16 in base64, one integer step per
 * `mvPerUnit` (1 µV unless a lead needs more range), not as decimal JSON:
 * LUDB record 1 (12 leads, 10 s, 500 Hz) makes a 160,966-byte view this
 * way (160,032 of them samples), against 382,682 bytes for the samples alone
 * as JSON numbers rounded to 3 decimals (measured in
 * test/hub/ecg/ecg-view.test.ts; gzip on the wire shrinks both). 1 µV is as fine as the records we
 * hold (LUDB is stored in whole µV, MIT-BIH in 5 µV steps) and 100 times finer
 * than the 0.1 mm a reader can see at 10 mm/mV, so nothing is lost.
 */
import { ChasquiError } from '../../lib/errors.js';
import { decodeEcg } from '../../protocol/ecg-codec.js';
import { leadMillivolts, STANDARD_LEADS, twelveLeads } from '../../protocol/ecg-leads.js';
import type { EcgRecording } from '../../protocol/ecg-recording.js';

export const ECG_MEDIA_TYPE = 'application/vnd.chasqui.ecg';

/** A printout shows 10 s: four 2.5 s columns, and one rhythm strip (IEC 60601-2-25 layout). */
export const DEFAULT_SECONDS = 10;
/** An excerpt is for reading, not for download: a minute of 12 leads at 500 Hz is under 1 MB of JSON. */
export const MAX_SECONDS = 60;
const INT16_MAX = 32767;
const FINEST_MV = 0.001;

export interface EcgViewLead {
  name: string;
  /** True when computed from I and II (Einthoven/Goldberger), not recorded. */
  derived: boolean;
  /** Millivolts per integer step of `samples`. */
  mvPerUnit: number;
  /** Little-endian Int16 samples, base64. */
  samples: string;
}

export interface EcgView {
  samplingFrequency: number;
  /** Length of the whole recording. */
  durationS: number;
  /** The excerpt given here: from `startS`, `samplesPerLead` samples. */
  startS: number;
  samplesPerLead: number;
  /** '3x4+rhythm' when all 12 standard leads are there (recorded or derived), else one strip per lead. */
  layout: '3x4+rhythm' | 'rhythm';
  /** The lead of the long strip under the 3×4 grid: II by custom (AHA/ACC/HRS 2007, part I). */
  rhythmLead: string;
  leads: EcgViewLead[];
  /** No filter is applied anywhere between the front end and the screen. */
  filters: 'none';
  startedAt?: string;
  source?: string;
}

export interface EcgViewOptions {
  startS?: number;
  seconds?: number;
}

interface MvLead {
  name: string;
  derived: boolean;
  mv: Float64Array;
}

const byName = (rec: EcgRecording, name: string) => rec.leads.find((l) => l.name.toLowerCase() === name.toLowerCase());

/**
 * The 12 standard leads in STANDARD_LEADS order when the recording has them
 * or has I and II to derive the limb leads from; otherwise the recorded
 * leads as they are. A recorded III/aVR/aVL/aVF is shown as recorded: only
 * what is missing is derived (and marked so).
 */
function standardOrRecorded(rec: EcgRecording): { standard: boolean; leads: MvLead[] } {
  const recorded = (name: string): MvLead | undefined => {
    const lead = byName(rec, name);
    return lead && { name, derived: false, mv: leadMillivolts(lead) };
  };
  const chestComplete = STANDARD_LEADS.slice(6).every((n) => byName(rec, n));
  if (chestComplete && byName(rec, 'I') && byName(rec, 'II')) {
    const derived = new Map(twelveLeads(rec).leads.map((l) => [l.name as string, l]));
    return { standard: true, leads: STANDARD_LEADS.map((n) => recorded(n) ?? { name: n, derived: true, mv: (derived.get(n) as MvLead).mv }) };
  }
  return { standard: false, leads: rec.leads.map((l) => ({ name: l.name, derived: false, mv: leadMillivolts(l) })) };
}

/** Finest step of 1 µV, coarser only when the excerpt would not fit in Int16 (a DC offset of over 32 mV). */
function packLead(lead: MvLead): EcgViewLead {
  const count = lead.mv.length;
  let peak = 0;
  for (let i = 0; i < count; i++) peak = Math.max(peak, Math.abs(lead.mv[i] as number));
  const mvPerUnit = peak / FINEST_MV <= INT16_MAX ? FINEST_MV : Math.ceil(peak / FINEST_MV / INT16_MAX) * FINEST_MV;
  const buf = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    buf.writeInt16LE(Math.max(-INT16_MAX, Math.min(INT16_MAX, Math.round((lead.mv[i] as number) / mvPerUnit))), i * 2);
  }
  return { name: lead.name, derived: lead.derived, mvPerUnit, samples: buf.toString('base64') };
}

function rhythmLeadOf(leads: MvLead[]): string {
  const names = leads.map((l) => l.name);
  return names.find((n) => n === 'II') ?? names.find((n) => n.toUpperCase() === 'MLII') ?? names[0] ?? 'II';
}

/** The viewer's data for (an excerpt of) a recording already decoded. */
export function recordingView(rec: EcgRecording, options: EcgViewOptions = {}): EcgView {
  const fs = rec.samplingFrequency;
  const total = Math.min(...rec.leads.map((l) => l.samples.length));
  if (rec.leads.length === 0 || total === 0) throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', 'the recording has no samples');
  const startS = options.startS ?? 0;
  const seconds = options.seconds ?? DEFAULT_SECONDS;
  if (!(startS >= 0) || !(seconds > 0 && seconds <= MAX_SECONDS)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `excerpt from ${startS} s for ${seconds} s (at most ${MAX_SECONDS} s at a time)`);
  const from = Math.round(startS * fs);
  if (from >= total) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the recording is ${total / fs} s long; ${startS} s is past its end`);
  const count = Math.min(total - from, Math.round(seconds * fs));
  // Only the excerpt is converted: a Holter-length record stays cheap to page through.
  const excerpt = { ...rec, leads: rec.leads.map((l) => ({ ...l, samples: l.samples.subarray(from, from + count) })) };
  const { standard, leads } = standardOrRecorded(excerpt);
  const view: EcgView = {
    samplingFrequency: fs, durationS: total / fs, startS: from / fs, samplesPerLead: count,
    layout: standard ? '3x4+rhythm' : 'rhythm',
    rhythmLead: rhythmLeadOf(leads),
    leads: leads.map(packLead),
    filters: 'none',
  };
  if (rec.startedAt !== undefined) view.startedAt = rec.startedAt;
  if (rec.source !== undefined) view.source = rec.source;
  return view;
}

/** The viewer's data from an attachment's bytes and media type. */
export function ecgView(bytes: Uint8Array, mediaType: string, options: EcgViewOptions = {}): EcgView {
  const type = mediaType.split(';')[0]?.trim().toLowerCase();
  if (type !== ECG_MEDIA_TYPE) {
    throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `the viewer reads ${ECG_MEDIA_TYPE} attachments, not ${mediaType}`);
  }
  return recordingView(decodeEcg(bytes), options);
}

/** Samples of one view lead back in millivolts (tests, and anything server-side that needs them). */
export function viewLeadMillivolts(lead: EcgViewLead): Float64Array {
  const buf = Buffer.from(lead.samples, 'base64');
  const out = new Float64Array(buf.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2) * lead.mvPerUnit;
  return out;
}
