/**
 * The self-describing header of a CQE2 ECG stream (protocol/ecg-codec.ts):
 * enough to read the samples in millivolts and to list a recording without
 * decoding it. Pure: no I/O.
 *
 * Layout (integers little-endian, text UTF-8 with a length prefix):
 *   0  "CQE2"   magic
 *   4  u8       version (2)
 *   5  f64      sampling frequency (Hz), finite and > 0, stored as is so it
 *               comes back exactly
 *   13 u32      samples per lead
 *   17 u8       lead count (0–64)
 *   18 u8       flags: bit 0 startedAt present, bit 1 source present
 *   19 per lead: u8 name length (≤ 64) + name, f64 unitsPerMv (finite, > 0),
 *               f64 baseline (finite)
 *      then u8 length + startedAt if flagged, u16 length + source if flagged
 *      then the coded samples and a CRC-32 (ecg-codec.ts).
 * Every length is bounded before anything is allocated from it.
 */
import { ChasquiError } from '../lib/errors.js';
import type { EcgRecording } from './ecg-recording.js';

export const MAGIC = [0x43, 0x51, 0x45, 0x32]; // "CQE2"
export const VERSION = 2;
export const MAX_LEADS = 64;
/** Decoding allocates 4 bytes per sample: 2^26 samples is 256 MiB at most. */
export const MAX_TOTAL_SAMPLES = 2 ** 24; // 12 leads × 1 kHz × 23 min; bounds what a crafted stream can make a Pi allocate (64 MiB)
const MAX_NAME_BYTES = 64;
const MAX_STARTED_AT_BYTES = 64;
const MAX_SOURCE_BYTES = 1024;
const FIXED_BYTES = 19;

export interface EcgLeadInfo {
  name: string;
  unitsPerMv: number;
  baseline: number;
}

/** What the header says: everything but the samples. */
export interface EcgInfo {
  samplingFrequency: number;
  leads: EcgLeadInfo[];
  samplesPerLead: number;
  durationSeconds: number;
  startedAt?: string;
  source?: string;
  /** Size of the whole encoded recording. */
  bytes: number;
}

export function formatError(message: string): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function text(value: unknown, what: string, max: number): Uint8Array {
  if (typeof value !== 'string') throw formatError(`${what} is not a string`);
  const b = encoder.encode(value);
  if (b.length > max) throw formatError(`${what} is ${b.length} bytes of UTF-8 (at most ${max})`);
  return b;
}

function checkNumber(v: unknown, what: string, positive: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) throw formatError(`${what} ${String(v)} is not a ${positive ? 'positive' : 'finite'} number`);
  return v;
}

/** Validate what the codec cannot represent and return the header bytes. */
export function writeHeader(rec: EcgRecording, samplesPerLead: number): Uint8Array {
  const fs = checkNumber(rec.samplingFrequency, 'sampling frequency', true);
  if (rec.leads.length > MAX_LEADS) throw formatError(`${rec.leads.length} leads (at most ${MAX_LEADS})`);
  const names = rec.leads.map((l, i) => text(l.name, `lead ${i} name`, MAX_NAME_BYTES));
  const startedAt = rec.startedAt === undefined ? undefined : text(rec.startedAt, 'startedAt', MAX_STARTED_AT_BYTES);
  const source = rec.source === undefined ? undefined : text(rec.source, 'source', MAX_SOURCE_BYTES);
  let size = FIXED_BYTES + names.reduce((s, b) => s + 17 + b.length, 0);
  if (startedAt) size += 1 + startedAt.length;
  if (source) size += 2 + source.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(MAGIC);
  v.setUint8(4, VERSION);
  v.setFloat64(5, fs, true);
  v.setUint32(13, samplesPerLead, true);
  v.setUint8(17, rec.leads.length);
  v.setUint8(18, (startedAt ? 1 : 0) | (source ? 2 : 0));
  let o = FIXED_BYTES;
  rec.leads.forEach((lead, i) => {
    const name = names[i] as Uint8Array;
    v.setUint8(o, name.length);
    out.set(name, o + 1);
    o += 1 + name.length;
    v.setFloat64(o, checkNumber(lead.unitsPerMv, `lead ${i} unitsPerMv`, true), true);
    v.setFloat64(o + 8, checkNumber(lead.baseline, `lead ${i} baseline`, false), true);
    o += 16;
  });
  if (startedAt) {
    v.setUint8(o, startedAt.length);
    out.set(startedAt, o + 1);
    o += 1 + startedAt.length;
  }
  if (source) {
    v.setUint16(o, source.length, true);
    out.set(source, o + 2);
  }
  return out;
}

/** Reads fields in order; every read past the end is a format error. */
class HeaderReader {
  private readonly view: DataView;
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): number {
    if (this.pos + n > this.bytes.length) throw formatError(`header truncated at byte ${this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number { return this.view.getUint8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  f64(): number { return this.view.getFloat64(this.need(8), true); }
  text(len: number, max: number, what: string): string {
    if (len > max) throw formatError(`${what} is ${len} bytes (at most ${max})`);
    const at = this.need(len);
    try {
      return decoder.decode(this.bytes.subarray(at, at + len));
    } catch {
      throw formatError(`${what} is not UTF-8`);
    }
  }
}

/** Parse and check the header; `bodyOffset` is where the coded samples start. */
export function readHeader(bytes: Uint8Array): { info: EcgInfo; bodyOffset: number } {
  if (!(bytes instanceof Uint8Array)) throw formatError('not a byte array');
  const r = new HeaderReader(bytes);
  for (const m of MAGIC) if (r.u8() !== m) throw formatError('not a CQE2 ECG (bad magic)');
  const version = r.u8();
  if (version !== VERSION) throw formatError(`unsupported version ${version}`);
  const samplingFrequency = r.f64();
  if (!Number.isFinite(samplingFrequency) || samplingFrequency <= 0) throw formatError(`sampling frequency ${samplingFrequency}`);
  const samplesPerLead = r.u32();
  const leadCount = r.u8();
  const flags = r.u8();
  if (leadCount > MAX_LEADS) throw formatError(`${leadCount} leads (at most ${MAX_LEADS})`);
  if (flags > 3) throw formatError(`unknown flags ${flags}`);
  if (leadCount === 0 && samplesPerLead !== 0) throw formatError('samples without leads');
  if (samplesPerLead * leadCount > MAX_TOTAL_SAMPLES) throw formatError(`${samplesPerLead * leadCount} samples (at most ${MAX_TOTAL_SAMPLES})`);
  const leads: EcgLeadInfo[] = [];
  for (let i = 0; i < leadCount; i++) {
    const name = r.text(r.u8(), MAX_NAME_BYTES, `lead ${i} name`);
    const unitsPerMv = r.f64();
    const baseline = r.f64();
    if (!Number.isFinite(unitsPerMv) || unitsPerMv <= 0) throw formatError(`lead ${i} unitsPerMv ${unitsPerMv}`);
    if (!Number.isFinite(baseline)) throw formatError(`lead ${i} baseline ${baseline}`);
    leads.push({ name, unitsPerMv, baseline });
  }
  const info: EcgInfo = { samplingFrequency, leads, samplesPerLead, durationSeconds: samplesPerLead / samplingFrequency, bytes: bytes.length };
  if (flags & 1) info.startedAt = r.text(r.u8(), MAX_STARTED_AT_BYTES, 'startedAt');
  if (flags & 2) info.source = r.text(r.u16(), MAX_SOURCE_BYTES, 'source');
  return { info, bodyOffset: r.pos };
}
