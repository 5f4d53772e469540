/**
 * Contec ECG90A native ".ECG" file (what the cardiograph writes to its
 * microSD card with print format "Store"). Contec publishes no description
 * of it; this layout is N. Rigacci's reverse engineering, the only public
 * account found: https://www.rigacci.org/wiki/doku.php/tecnica/misc/contec_ecg_file_format
 * and his reader ecg_contec.py (github.com/RigacciOrg/ecg-contec, GPL; facts
 * taken, no code copied):
 *
 *   header, 43 bytes: case name 8 (NUL-terminated), 2 unknown, timestamp 20
 *     ("YYYY-MM-DD HH:MM:SS", NUL-terminated), 2 unknown, patient name 8,
 *     sex 1 (0 F, 1 M, 255 blank), age 1 (0 = missing), weight 1 (0 = missing)
 *   payload: frames of eight little-endian unsigned 16-bit values at 800 Hz,
 *     in the order II, III, V1..V6 (I, aVR, aVL, aVF are derived, not stored);
 *     0 V is 2048 and one unit is 5 µV; 0x6800 marks an out-of-scale value;
 *     a frame of eight zeros ends the data
 *   footer: 37 bytes, content unknown.
 *
 * Pure; every fault is a ChasquiError CHASQUI_ERR_ECG_FORMAT.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { EcgLead, EcgRecording } from '../../protocol/ecg-recording.js';

export const CONTEC_HEADER = 43;
export const CONTEC_FOOTER = 37;
export const CONTEC_RATE = 800;
export const CONTEC_LEADS = ['II', 'III', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
/** Raw value of 0 V, and units per mV (5 µV per unit). */
export const CONTEC_BASELINE = 2048;
export const CONTEC_UNITS_PER_MV = 200;
/** Raw value the device writes when a lead is out of scale or not connected. */
export const CONTEC_INVALID = 0x6800;

const FRAME = 2 * CONTEC_LEADS.length;

export interface ContecEcg {
  recording: EcgRecording;
  caseName?: string;
  patientName?: string;
  sex?: 'female' | 'male';
  /** Years; absent when the device left it at 0. */
  age?: number;
  /** Kilograms; absent when 0. */
  weight?: number;
  /** Leads whose every sample is the out-of-scale marker (electrode not connected); left out of the recording. */
  absentLeads: string[];
  /** Out-of-scale samples kept in the recorded leads, as the raw value 0x6800. */
  outOfScaleSamples: number;
}

function fail(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('latin1').trim();
}

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/;

/** The header timestamp, if it is the device's "YYYY-MM-DD HH:MM:SS". Used to recognise the format too. */
export function contecTimestamp(file: Uint8Array): string | undefined {
  if (file.length < CONTEC_HEADER) return undefined;
  const m = TIMESTAMP.exec(text(file.subarray(10, 30)));
  if (!m) return undefined;
  const [mo, d, h, mi, s] = m.slice(2).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

/** True when the bytes have the ECG90A shape: a valid header timestamp and whole frames between header and footer. */
export function looksLikeContec(file: Uint8Array): boolean {
  const payload = file.length - CONTEC_HEADER - CONTEC_FOOTER;
  return payload >= 0 && payload % FRAME === 0 && contecTimestamp(file) !== undefined;
}

function samples(file: Uint8Array): Int32Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const frames = (file.length - CONTEC_HEADER - CONTEC_FOOTER) / FRAME;
  let n = 0;
  for (; n < frames; n++) {
    const at = CONTEC_HEADER + n * FRAME;
    let zero = true;
    for (let k = 0; k < FRAME && zero; k++) zero = file[at + k] === 0;
    if (zero) break;
  }
  return CONTEC_LEADS.map((_, lead) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getUint16(CONTEC_HEADER + i * FRAME + 2 * lead, true);
    return out;
  });
}

/** Decode an ECG90A file. `name` only labels the recording's source. */
export function decodeContecEcg90a(file: Uint8Array, name = 'ECG90A file'): ContecEcg {
  if (file.length < CONTEC_HEADER + CONTEC_FOOTER) fail(`${name} is ${file.length} bytes, shorter than an ECG90A header and footer`);
  const payload = file.length - CONTEC_HEADER - CONTEC_FOOTER;
  if (payload % FRAME !== 0) fail(`${name}: ${payload} data bytes are not whole 16-byte frames (truncated or not an ECG90A file)`);
  const startedAt = contecTimestamp(file) ?? fail(`${name}: header timestamp is not "YYYY-MM-DD HH:MM:SS" (not an ECG90A file?)`);
  const all = samples(file);
  if ((all[0]?.length ?? 0) === 0) fail(`${name} holds no samples`);
  const leads: EcgLead[] = [];
  const absentLeads: string[] = [];
  let outOfScaleSamples = 0;
  all.forEach((values, i) => {
    const bad = values.reduce((c, v) => c + (v === CONTEC_INVALID ? 1 : 0), 0);
    if (bad === values.length) {
      absentLeads.push(CONTEC_LEADS[i]!);
      return;
    }
    outOfScaleSamples += bad;
    leads.push({ name: CONTEC_LEADS[i]!, unitsPerMv: CONTEC_UNITS_PER_MV, baseline: CONTEC_BASELINE, samples: values });
  });
  if (leads.length === 0) fail(`${name}: every lead is out of scale (no electrode connected?)`);
  const result: ContecEcg = {
    recording: { samplingFrequency: CONTEC_RATE, leads, startedAt, source: `Contec ECG90A file ${name}` },
    absentLeads,
    outOfScaleSamples,
  };
  const caseName = text(file.subarray(0, 8));
  const patientName = text(file.subarray(32, 40));
  if (caseName) result.caseName = caseName;
  if (patientName) result.patientName = patientName;
  const sex = file[40];
  if (sex === 0) result.sex = 'female';
  if (sex === 1) result.sex = 'male';
  if (file[41]) result.age = file[41];
  if (file[42]) result.weight = file[42];
  return result;
}
