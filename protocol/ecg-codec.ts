/**
 * Lossless ECG codec ("CQE2"). ECGs cross 64 kbit/s links, so each block of
 * each lead is predicted in two stages — least-squares LPC over its own past
 * plus up to two leads already coded (ecg-predictor.ts), then an adaptive
 * filter on what that leaves (ecg-lms.ts) — and the residuals are coded by a
 * context-modelled binary range coder (ecg-residual.ts, bit-io.ts). The
 * header (ecg-header.ts) makes the stream self-describing. Pure: no I/O.
 *
 * Body, after the header: one range-coded stream (bit-io.ts). First u16
 * block size B (direct bits); then for each block of B samples (the last may
 * be shorter), for each lead in order:
 *   u4 shift s, u_s offset c        (direct bits, see "shift" below)
 *   u6 order p (0–32), u2 reference count R (0–2), R × u6 reference lead
 *   (an earlier lead); if p + 2R > 0: u5 qshift q, u4 width w − 1 (w 1–16)
 *   and p + 2R coefficients, w-bit two's complement; the prediction is
 *   ⌊Σ coefficient·value / 2^q + ½⌋ (ecg-predictor.ts)
 *   then each residual (ecg-residual.ts): the sample minus its prediction,
 *   which is the LPC prediction plus the lead's LMS prediction (each
 *   clamped to the 24-bit range).
 * Prediction history, LMS and coder state run on across blocks (the stream is
 * one signal, not seekable frames); before the first sample all are zero.
 * Last, u32 LE CRC-32 (the zlib/ISO-HDLC one) of every byte before it: a
 * recording sits on a post's SD card for days, and a flipped bit in a range-
 * coded stream would otherwise decode silently into a different ECG.
 *
 * Shift: some recorders leave low bits constant (svdb's samples are all odd).
 * Like FLAC's "wasted bits", but with an offset, each block·lead codes
 * y = (x − c) >> s where every sample of the block has the low s bits c; the
 * history is mapped the same way (floor), so both sides predict identically.
 */
import { crc32 } from 'node:zlib';
import { MIN_DECISION_BITS, POW2, RangeDecoder, RangeEncoder } from './bit-io.js';
import { formatError, MAX_TOTAL_SAMPLES, readHeader, writeHeader, type EcgInfo } from './ecg-header.js';
import { fitPredictor, MAX_COEF_BITS, MAX_ORDER, MAX_REFS, predict, REF_LAGS, type Predictor } from './ecg-predictor.js';
import { ECG_SAMPLE_MAX, ECG_SAMPLE_MIN, type EcgLead, type EcgRecording } from './ecg-recording.js';
import { chooseReferences } from './ecg-references.js';
import { Lms } from './ecg-lms.js';
import { decodeResidual, DECISIONS_PER_RESIDUAL, encodeResidual, ResidualModel } from './ecg-residual.js';

export type { EcgInfo } from './ecg-header.js';

/**
 * Measured on the shared records (mean size ÷ FLAC -8): 1024 → 0.888,
 * 4096 → 0.870, 8192 → 0.864, 16384 → 0.863 but svdb/800 worse. The adaptive
 * coder follows amplitude within a block, so blocks only need to be short
 * enough for the LPC fit to stay valid, and long enough to pay for it.
 */
const DEFAULT_BLOCK = 8192;
const MAX_SHIFT = 15;

/** Samples must be integers in the signed 24-bit range, all leads the same length. */
function checkSamples(leads: EcgLead[]): number {
  if (!Array.isArray(leads)) throw formatError('leads is not an array');
  const n = leads[0]?.samples.length ?? 0;
  if (n * leads.length > MAX_TOTAL_SAMPLES) throw formatError(`${n * leads.length} samples (at most ${MAX_TOTAL_SAMPLES})`);
  for (const [i, lead] of leads.entries()) {
    const x = lead.samples;
    if (!(x instanceof Int32Array)) throw formatError(`lead ${i} samples are not an Int32Array`);
    if (x.length !== n) throw formatError(`lead ${i} has ${x.length} samples, lead 0 has ${n}`);
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < n; j++) {
      const v = x[j] as number;
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    if (lo < ECG_SAMPLE_MIN || hi > ECG_SAMPLE_MAX) throw formatError(`lead ${i} has samples outside the signed 24-bit range`);
  }
  return n;
}

/** Low bits shared by every sample of x[start, start+len) (see "shift" above). */
function commonLowBits(x: Int32Array, start: number, len: number): { shift: number; offset: number } {
  const first = x[start] as number;
  let diff = 0;
  for (let i = 1; i < len; i++) diff |= (x[start + i] as number) ^ first;
  const shift = diff === 0 ? 0 : Math.min(MAX_SHIFT, 31 - Math.clz32(diff & -diff));
  return { shift, offset: first & ((1 << shift) - 1) };
}

/** Own history mapped by (shift, offset): MAX_ORDER samples before the block (zero before the record). */
function history(x: Int32Array, start: number, len: number, shift: number, offset: number, withBlock: boolean): Float64Array {
  const h = new Float64Array(MAX_ORDER + len);
  for (let k = 1; k <= MAX_ORDER && start - k >= 0; k++) h[MAX_ORDER - k] = ((x[start - k] as number) - offset) >> shift;
  if (withBlock) for (let i = 0; i < len; i++) h[MAX_ORDER + i] = ((x[start + i] as number) - offset) >> shift;
  return h;
}

function writePredictor(enc: RangeEncoder, p: Predictor): void {
  enc.direct(p.order, 6);
  enc.direct(p.refs.length, 2);
  for (const r of p.refs) enc.direct(r, 6);
  if (p.coefs.length === 0) return;
  let width = 1;
  for (const c of p.coefs) width = Math.max(width, 33 - Math.clz32(c < 0 ? ~c : c));
  enc.direct(p.qshift, 5);
  enc.direct(width - 1, 4);
  for (const c of p.coefs) enc.direct(c >>> 0, width);
}

function readPredictor(dec: RangeDecoder, lead: number): Predictor {
  const order = dec.direct(6);
  const nrefs = dec.direct(2);
  if (order > MAX_ORDER) throw formatError(`predictor order ${order}`);
  if (nrefs > MAX_REFS) throw formatError(`${nrefs} reference leads`);
  const refs: number[] = [];
  for (let r = 0; r < nrefs; r++) {
    const ref = dec.direct(6);
    if (ref >= lead || refs.includes(ref)) throw formatError(`lead ${lead} cannot refer to lead ${ref}`);
    refs.push(ref);
  }
  const n = order + REF_LAGS * nrefs;
  const coefs = new Int32Array(n);
  if (n === 0) return { order, refs, qshift: 0, coefs };
  const qshift = dec.direct(5);
  const width = dec.direct(4) + 1;
  if (width > MAX_COEF_BITS) throw formatError(`coefficient width ${width}`);
  for (let k = 0; k < n; k++) coefs[k] = (dec.direct(width) << (32 - width)) >> (32 - width);
  return { order, refs, qshift, coefs };
}

export function encodeEcg(rec: EcgRecording, options: { blockSize?: number } = {}): Uint8Array {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0xffff) throw formatError(`block size ${blockSize} is not in 1..65535`);
  const n = checkSamples(rec.leads);
  const header = writeHeader(rec, n);
  const leads = rec.leads.map((l) => l.samples);
  const models = leads.map(() => new ResidualModel());
  const lms = leads.map(() => new Lms());
  const e1 = leads.map(() => new Float64Array(Math.min(n, blockSize)));
  const enc = new RangeEncoder(header.length + Math.ceil(n * leads.length * 0.6) + 64);
  enc.direct(blockSize, 16);
  for (let start = 0; start < n; start += blockSize) {
    const len = Math.min(blockSize, n - start);
    const refsOf = chooseReferences(leads, start, len, MAX_REFS);
    leads.forEach((x, j) => {
      const { shift, offset } = commonLowBits(x, start, len);
      const hist = history(x, start, len, shift, offset, true);
      const refIds = refsOf[j] as number[];
      const p = fitPredictor(hist, len, start, refIds.map((r) => leads[r] as Int32Array), refIds);
      enc.direct(shift, 4);
      enc.direct(offset, shift);
      writePredictor(enc, p);
      const refs = p.refs.map((r) => leads[r] as Int32Array);
      const lo = (ECG_SAMPLE_MIN - offset) >> shift;
      const hi = (ECG_SAMPLE_MAX - offset) >> shift;
      const m = models[j] as ResidualModel;
      const f = lms[j] as Lms;
      const mine = e1[j] as Float64Array;
      const nb = e1[j - 1];
      for (let i = 0; i < len; i++) {
        f.setCross(nb, i, len);
        const p1 = Math.min(hi, Math.max(lo, predict(p, hist, i, refs, start + i)));
        const pred = Math.min(hi, Math.max(lo, p1 + f.predict()));
        const y = hist[MAX_ORDER + i] as number;
        encodeResidual(enc, m, y - pred);
        f.update(y - p1);
        mine[i] = y - p1;
      }
    });
  }
  const body = enc.finish();
  const out = new Uint8Array(header.length + body.length + 4);
  out.set(header);
  out.set(body, header.length);
  const crc = crc32(out.subarray(0, out.length - 4));
  new DataView(out.buffer).setUint32(out.length - 4, crc, true);
  return out;
}

/** Read only the header: rate, leads, length, provenance. */
export function ecgInfo(bytes: Uint8Array): EcgInfo {
  return readHeader(bytes).info;
}

export function decodeEcg(bytes: Uint8Array): EcgRecording {
  const { info, bodyOffset } = readHeader(bytes);
  const end = bytes.length - 4;
  if (end < bodyOffset) throw formatError('truncated after the header');
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true);
  if (crc32(bytes.subarray(0, end)) !== stored) throw formatError('CRC-32 mismatch: the recording is damaged or truncated');
  const n = info.samplesPerLead;
  const total = n * info.leads.length;
  // Every residual costs ≥ DECISIONS_PER_RESIDUAL modelled decisions (bit-io.ts),
  // so a body this short cannot hold the claimed samples: refuse before allocating.
  const minBytes = Math.floor((total * DECISIONS_PER_RESIDUAL * MIN_DECISION_BITS) / 8) - 8;
  if (end - bodyOffset < minBytes) throw formatError(`too few bytes for ${n} samples × ${info.leads.length} leads`);
  const dec = new RangeDecoder(bytes.subarray(0, end), bodyOffset);
  const blockSize = dec.direct(16);
  if (blockSize === 0) throw formatError('block size 0');
  const leads = info.leads.map(() => new Int32Array(n));
  const models = leads.map(() => new ResidualModel());
  const lms = leads.map(() => new Lms());
  const e1 = leads.map(() => new Float64Array(Math.min(n, blockSize)));
  for (let start = 0; start < n; start += blockSize) {
    const len = Math.min(blockSize, n - start);
    leads.forEach((x, j) => {
      const shift = dec.direct(4);
      const offset = dec.direct(shift);
      const p = readPredictor(dec, j);
      const refs = p.refs.map((r) => leads[r] as Int32Array);
      const hist = history(x, start, len, shift, offset, false);
      const lo = (ECG_SAMPLE_MIN - offset) >> shift;
      const hi = (ECG_SAMPLE_MAX - offset) >> shift;
      const m = models[j] as ResidualModel;
      const scale = POW2[shift] as number;
      const f = lms[j] as Lms;
      const mine = e1[j] as Float64Array;
      const nb = e1[j - 1];
      for (let i = 0; i < len; i++) {
        f.setCross(nb, i, len);
        const p1 = Math.min(hi, Math.max(lo, predict(p, hist, i, refs, start + i)));
        const pred = Math.min(hi, Math.max(lo, p1 + f.predict()));
        const y = pred + decodeResidual(dec, m);
        f.update(y - p1);
        mine[i] = y - p1;
        const v = y * scale + offset;
        if (!(v >= ECG_SAMPLE_MIN && v <= ECG_SAMPLE_MAX)) throw formatError('sample out of the 24-bit range');
        hist[MAX_ORDER + i] = y;
        x[start + i] = v;
      }
    });
  }
  // The encoder's final flush is 5 bytes, of which the decoder reads at least 1.
  if (dec.remaining > 4) throw formatError('trailing data after the last block');
  const rec: EcgRecording = {
    samplingFrequency: info.samplingFrequency,
    leads: info.leads.map((l, i) => ({ ...l, samples: leads[i] as Int32Array })),
  };
  if (info.startedAt !== undefined) rec.startedAt = info.startedAt;
  if (info.source !== undefined) rec.source = info.source;
  return rec;
}
