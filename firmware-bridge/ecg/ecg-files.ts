/**
 * One entry point for ECG files on disk: `readEcgFile(path)` recognises the
 * format and returns an EcgRecording. WFDB is recognised by its header name
 * (.hea, or a record name with a .hea beside it); SCP-ECG and the Contec
 * ECG90A file by their content, since cardiographs name files freely.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';
import { STANDARD_LEADS } from '../../protocol/ecg-leads.js';
import type { EcgLead, EcgRecording } from '../../protocol/ecg-recording.js';
import { decodeContecEcg90a, looksLikeContec } from './contec-ecg90a.js';
import { decodeScpEcg } from './scp-ecg.js';
import type { WfdbHeader, WfdbSamples } from './wfdb.js';
import { readWfdbRecord } from './wfdb-files.js';

export const SUPPORTED_ECG_FORMATS = 'WFDB (.hea header with its signal files), SCP-ECG (EN 1064), Contec ECG90A (.ECG)';

const BY_LOWER = new Map<string, string>(STANDARD_LEADS.map((n) => [n.toLowerCase(), n]));

/** "i", "AVR", "v1" → I, aVR, V1 (PTB and LUDB write lead names in lower case); other labels stay as written. */
export function standardLeadName(label: string): string {
  const t = label.trim();
  return BY_LOWER.get(t.toLowerCase()) ?? t;
}

/** ADC units per mV from a WFDB gain in its physical units; undefined when the units are not a voltage. */
function unitsPerMv(gain: number, units: string): number | undefined {
  const g = gain === 0 ? 200 : gain; // header(5): gain 0 means uncalibrated, read as 200
  switch (units.trim()) {
    case 'mV':
      return g;
    case 'uV':
    case 'µV':
      return g * 1000;
    case 'V':
      return g / 1000;
    default:
      return undefined;
  }
}

/** header(5) base time "HH:MM:SS[.sss]" and date "DD/MM/YYYY" → ISO 8601 local time. */
function wfdbStart(h: WfdbHeader): string | undefined {
  const t = /^(\d{1,2}):(\d\d):(\d\d(?:\.\d+)?)$/.exec(h.baseTime ?? '');
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(h.baseDate ?? '');
  if (!t || !d) return undefined;
  const p = (s: string): string => s.padStart(2, '0');
  return `${d[3]}-${p(d[2]!)}-${p(d[1]!)}T${p(t[1]!)}:${t[2]}:${t[3]!.padStart(2, '0')}`;
}

/** A WFDB record as an EcgRecording. Signals that are not voltages (blood pressure, respiration) are left out. */
export function wfdbToRecording(header: WfdbHeader, signals: WfdbSamples[], name: string): EcgRecording {
  const leads: EcgLead[] = [];
  const skipped: string[] = [];
  header.signals.forEach((s, i) => {
    const perMv = unitsPerMv(s.gain, s.units);
    const label = s.description || `signal ${i}`;
    if (perMv === undefined) {
      skipped.push(`${label} (${s.units})`);
      return;
    }
    leads.push({ name: standardLeadName(label), unitsPerMv: perMv, baseline: s.baseline, samples: Int32Array.from(signals[i] ?? []) });
  });
  if (leads.length === 0) throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `WFDB record ${name} has no voltage signal (only ${skipped.join(', ')})`);
  const source = skipped.length ? `WFDB record ${name} (left out, not ECG: ${skipped.join(', ')})` : `WFDB record ${name}`;
  const rec: EcgRecording = { samplingFrequency: header.samplingFrequency, leads, source };
  const startedAt = wfdbStart(header);
  if (startedAt) rec.startedAt = startedAt;
  return rec;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * SCP-ECG record header: bytes 3–6 give the file length and Section 0 (id 0)
 * starts at byte 7; or, for a damaged copy, Section 0 carries its "SCPECG"
 * marker (older writers leave it out, hence the length test).
 */
function looksLikeScp(bytes: Uint8Array): boolean {
  if (bytes.length < 22) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const marker = Buffer.from(bytes.subarray(16, 22)).toString('latin1') === 'SCPECG';
  return v.getUint16(8, true) === 0 && (v.getUint32(2, true) === bytes.length || marker);
}

/** Read an ECG file of any supported format. Unknown format → CHASQUI_ERR_ECG_FORMAT naming the file and the formats. */
export async function readEcgFile(path: string): Promise<EcgRecording> {
  const name = basename(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.hea' || (ext === '' && !(await exists(path)) && (await exists(`${path}.hea`)))) {
    const headerPath = ext === '.hea' ? path : `${path}.hea`;
    const { header, signals } = await readWfdbRecord(headerPath);
    return wfdbToRecording(header, signals, header.recordName);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG file ${path} does not exist`, undefined, { cause: err });
    throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `cannot read ECG file ${path}: ${String(err)}`, undefined, { cause: err });
  }
  if (looksLikeScp(bytes)) return decodeScpEcg(bytes, name).recording;
  if (looksLikeContec(bytes)) return decodeContecEcg90a(bytes, name).recording;
  // An .ECG that fails the shape check gets the Contec reader's precise complaint.
  if (ext === '.ecg') return decodeContecEcg90a(bytes, name).recording;
  if (ext === '.scp') return decodeScpEcg(bytes, name).recording;
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `${path} is not in an ECG format Chasqui reads (supported: ${SUPPORTED_ECG_FORMATS})`);
}
