/**
 * Lossless ECG codec ("CQE1"). ECGs cross 64 kbit/s links, so they are coded
 * the way FLAC codes audio: per block and lead, a fixed polynomial predictor,
 * and the prediction residuals in partitioned Rice codes. Pure: no I/O.
 *
 * Layout (all integers little-endian):
 *   0  "CQE1"            magic
 *   4  u8   version (1)
 *   5  f64  sampling frequency (Hz), finite and > 0 — stored as is, so it
 *           comes back exactly
 *   13 u8   lead count (0–64)
 *   14 u32  samples per lead
 *   18 u16  block size (≥ 1)
 *   20 bit stream, MSB first, zero-padded to a byte: for each block, for each
 *      lead: u4 shift s (0–15), u_s offset c, u3 predictor order (0–4), then
 *      one entry per partition of
 *      PARTITION samples (the block's last partition may be shorter):
 *        u5 Rice parameter k (0–21) followed by each residual as
 *           unary(u >> k) + k low bits of u, or
 *        u5 = 31 (escape) + u5 width w (0–21) + each residual as w raw bits.
 *      u is the zig-zag mapping of the signed residual (0,-1,1,-2 → 0,1,2,3).
 *
 * Fixed predictors are those of FLAC's SUBFRAME_FIXED (xiph.org/flac/format.html;
 * RFC 9639 "fixed predictor subframe"): order p predicts x[n] from the
 * p previous samples by the polynomial through them — 0; x1; 2x1−x2;
 * 3x1−3x2+x3; 4x1−6x2+4x3−x4 — i.e. residual = p-th difference. Unlike FLAC,
 * the history is not restarted per block: a block's first samples are
 * predicted from the previous block's last ones (the stream is one signal,
 * not independently seekable frames), and before the first sample the history
 * is zero, so the first block's warm-up residuals are the samples themselves
 * (order 1) or small combinations of them — no separate verbatim field needed.
 *
 * Shift: some recorders leave low bits constant (svdb's samples are all odd,
 * so every difference is even). Like FLAC's "wasted bits", but with an
 * offset, each block·lead codes y = (x − c) >> s where every sample of the
 * block has the low s bits c; the history is mapped the same way (floor), so
 * encoder and decoder predict identically even when it does not share c.
 *
 * Residual coding follows FLAC's RESIDUAL_CODING_METHOD_PARTITIONED_RICE:
 * a Rice parameter per partition (here a fixed 256 samples: ECG amplitude
 * changes within a beat, so small partitions track it) and the escape code
 * (all ones) for partitions where raw binary is cheaper — e.g. white noise,
 * or a flat line, which costs 10 bits per partition with width 0.
 */
import { ChasquiError } from '../lib/errors.js';
import { BitReader, BitWriter } from './bit-io.js';

export interface EcgRecord {
  samplingFrequency: number;
  leads: Int16Array[];
}

const MAGIC = [0x43, 0x51, 0x45, 0x31]; // "CQE1"
const VERSION = 1;
const HEADER_BYTES = 20;
export const MAX_LEADS = 64;
export const MAX_TOTAL_SAMPLES = 2 ** 28;
// Measured: 256-sample blocks (one partition each, predictor chosen per block)
// beat 1024–4096 on every shared record (svdb/800: 5.24 vs 5.36 bits/sample).
const DEFAULT_BLOCK = 256;
const PARTITION = 256;
const MAX_ORDER = 4;
const MAX_SHIFT = 15;
const ESCAPE = 31;
/**
 * An order-4 residual of int16 samples is at most 16 · 32768 = 2^19 in
 * magnitude, so its zig-zag code fits in 21 bits; larger codes are corrupt.
 */
const MAX_BITS = 21;
const MAX_U = 2 ** MAX_BITS - 1;

function formatError(message: string): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

function bitLength(v: number): number {
  return 32 - Math.clz32(v);
}

/** Cost in bits of the cheapest coding of u[start..end), and that choice (k, or ESCAPE). */
let chosenParam = 0;
let chosenWidth = 0;
function partitionCost(u: Int32Array, start: number, end: number): number {
  const n = end - start;
  let sum = 0;
  let max = 0;
  for (let i = start; i < end; i++) {
    const v = u[i] as number;
    sum += v;
    if (v > max) max = v;
  }
  // Exact Rice cost for parameter k: n·(k+1) + Σ(u >> k). Its increments
  // n − Σ⌈(u >> k)/2⌉ never decrease with k, so it is convex in k and a
  // descent from the estimate log2(mean) finds the true minimum.
  const riceCost = (k: number): number => {
    let s = n * (k + 1);
    for (let i = start; i < end; i++) s += (u[i] as number) >>> k;
    return s;
  };
  const mean = sum / n;
  let k = mean < 2 ? 0 : Math.min(MAX_BITS, Math.floor(Math.log2(mean)));
  let cost = riceCost(k);
  while (k < MAX_BITS) {
    const c = riceCost(k + 1);
    if (c >= cost) break;
    cost = c;
    k++;
  }
  while (k > 0) {
    const c = riceCost(k - 1);
    if (c > cost) break;
    cost = c;
    k--;
  }
  const width = bitLength(max);
  const escapeCost = 10 + n * width;
  if (escapeCost < 5 + cost) {
    chosenParam = ESCAPE;
    chosenWidth = width;
    return escapeCost;
  }
  chosenParam = k;
  chosenWidth = 0;
  return 5 + cost;
}

export function encodeEcg(rec: EcgRecord, options: { blockSize?: number } = {}): Uint8Array {
  const { samplingFrequency, leads } = rec;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0xffff) throw formatError(`block size ${blockSize} is not in 1..65535`);
  if (typeof samplingFrequency !== 'number' || !Number.isFinite(samplingFrequency) || samplingFrequency <= 0) {
    throw formatError(`sampling frequency ${String(samplingFrequency)} is not a positive number`);
  }
  if (leads.length > MAX_LEADS) throw formatError(`${leads.length} leads (at most ${MAX_LEADS})`);
  const n = leads[0]?.length ?? 0;
  for (const [i, lead] of leads.entries()) {
    if (!(lead instanceof Int16Array)) throw formatError(`lead ${i} is not an Int16Array`);
    if (lead.length !== n) throw formatError(`lead ${i} has ${lead.length} samples, lead 0 has ${n}`);
  }
  if (n * leads.length > MAX_TOTAL_SAMPLES) throw formatError(`${n * leads.length} samples (at most ${MAX_TOTAL_SAMPLES})`);

  const w = new BitWriter(HEADER_BYTES + Math.ceil(n * leads.length * 0.75));
  for (const b of MAGIC) w.writeByte(b);
  w.writeByte(VERSION);
  const head = new DataView(new ArrayBuffer(15));
  head.setFloat64(0, samplingFrequency, true);
  head.setUint8(8, leads.length);
  head.setUint32(9, n, true);
  head.setUint16(13, blockSize, true);
  for (let i = 0; i < 15; i++) w.writeByte(head.getUint8(i));

  // Scratch reused for every block: zig-zag residuals per order, and the
  // per-partition choice for each order.
  const partsPerBlock = Math.ceil(blockSize / PARTITION);
  const resid: Int32Array[] = [];
  const params: Uint8Array[] = [];
  const widths: Uint8Array[] = [];
  for (let p = 0; p <= MAX_ORDER; p++) {
    resid.push(new Int32Array(blockSize));
    params.push(new Uint8Array(partsPerBlock));
    widths.push(new Uint8Array(partsPerBlock));
  }

  for (let start = 0; start < n; start += blockSize) {
    const len = Math.min(blockSize, n - start);
    for (const x of leads) {
      // Low bits shared by every sample of the block (see "shift" above).
      const first = x[start] as number;
      let diff = 0;
      for (let i = 1; i < len; i++) diff |= (x[start + i] as number) ^ first;
      const shift = diff === 0 ? 0 : Math.min(MAX_SHIFT, 31 - Math.clz32(diff & -diff));
      const offset = first & ((1 << shift) - 1);
      // History from the previous block (zero before the record starts).
      let h1 = start >= 1 ? ((x[start - 1] as number) - offset) >> shift : 0;
      let h2 = start >= 2 ? ((x[start - 2] as number) - offset) >> shift : 0;
      let h3 = start >= 3 ? ((x[start - 3] as number) - offset) >> shift : 0;
      let h4 = start >= 4 ? ((x[start - 4] as number) - offset) >> shift : 0;
      const [u0, u1, u2, u3, u4] = resid as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
      for (let i = 0; i < len; i++) {
        const x0 = ((x[start + i] as number) - offset) >> shift;
        const r0 = x0;
        const r1 = x0 - h1;
        const r2 = x0 - 2 * h1 + h2;
        const r3 = x0 - 3 * h1 + 3 * h2 - h3;
        const r4 = x0 - 4 * h1 + 6 * h2 - 4 * h3 + h4;
        u0[i] = (r0 << 1) ^ (r0 >> 31);
        u1[i] = (r1 << 1) ^ (r1 >> 31);
        u2[i] = (r2 << 1) ^ (r2 >> 31);
        u3[i] = (r3 << 1) ^ (r3 >> 31);
        u4[i] = (r4 << 1) ^ (r4 >> 31);
        h4 = h3;
        h3 = h2;
        h2 = h1;
        h1 = x0;
      }
      let best = 0;
      let bestCost = Infinity;
      for (let p = 0; p <= MAX_ORDER; p++) {
        const u = resid[p] as Int32Array;
        const ps = params[p] as Uint8Array;
        const ws = widths[p] as Uint8Array;
        let cost = 3;
        for (let j = 0, ps0 = 0; ps0 < len; j++, ps0 += PARTITION) {
          cost += partitionCost(u, ps0, Math.min(len, ps0 + PARTITION));
          ps[j] = chosenParam;
          ws[j] = chosenWidth;
          if (cost >= bestCost) break;
        }
        if (cost < bestCost) {
          bestCost = cost;
          best = p;
        }
      }
      const u = resid[best] as Int32Array;
      const ps = params[best] as Uint8Array;
      const ws = widths[best] as Uint8Array;
      w.writeBits(shift, 4);
      w.writeBits(offset, shift);
      w.writeBits(best, 3);
      for (let j = 0, ps0 = 0; ps0 < len; j++, ps0 += PARTITION) {
        const end = Math.min(len, ps0 + PARTITION);
        const k = ps[j] as number;
        w.writeBits(k, 5);
        if (k === ESCAPE) {
          const width = ws[j] as number;
          w.writeBits(width, 5);
          for (let i = ps0; i < end; i++) w.writeBits(u[i] as number, width);
        } else {
          for (let i = ps0; i < end; i++) {
            const v = u[i] as number;
            w.writeUnary(v >>> k);
            w.writeBits(v, k);
          }
        }
      }
    }
  }
  return w.finish();
}

export function decodeEcg(bytes: Uint8Array): EcgRecord {
  if (!(bytes instanceof Uint8Array)) throw formatError('not a byte array');
  if (bytes.length < HEADER_BYTES) throw formatError(`${bytes.length} bytes is shorter than the header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw formatError('not a CQE1 ECG (bad magic)');
  if (bytes[4] !== VERSION) throw formatError(`unsupported version ${String(bytes[4])}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const samplingFrequency = view.getFloat64(5, true);
  const leadCount = view.getUint8(13);
  const n = view.getUint32(14, true);
  const blockSize = view.getUint16(18, true);
  if (!Number.isFinite(samplingFrequency) || samplingFrequency <= 0) throw formatError(`sampling frequency ${samplingFrequency}`);
  if (leadCount > MAX_LEADS) throw formatError(`${leadCount} leads (at most ${MAX_LEADS})`);
  if (leadCount === 0 && n !== 0) throw formatError('samples without leads');
  if (blockSize === 0) throw formatError('block size 0');
  if (n * leadCount > MAX_TOTAL_SAMPLES) throw formatError(`${n * leadCount} samples (at most ${MAX_TOTAL_SAMPLES})`);

  // Before allocating, check the stream can hold the claimed samples: every
  // block·lead takes ≥ 7 bits and every partition ≥ 5 (ratio ≤ ~100× at worst).
  const fullBlocks = Math.floor(n / blockSize);
  const tail = n - fullBlocks * blockSize;
  const blocks = fullBlocks + (tail > 0 ? 1 : 0);
  const partitions = fullBlocks * Math.ceil(blockSize / PARTITION) + Math.ceil(tail / PARTITION);
  const minBits = leadCount * (7 * blocks + 5 * partitions);
  const r = new BitReader(bytes, HEADER_BYTES);
  if (r.remainingBits < minBits) throw formatError(`too few bytes for ${n} samples × ${leadCount} leads`);

  const leads: Int16Array[] = [];
  for (let l = 0; l < leadCount; l++) leads.push(new Int16Array(n));
  for (let start = 0; start < n; start += blockSize) {
    const len = Math.min(blockSize, n - start);
    for (const x of leads) {
      const shift = r.readBits(4);
      if (shift > MAX_SHIFT) throw formatError(`shift ${shift}`);
      const offset = r.readBits(shift);
      const scaleX = 2 ** shift;
      const order = r.readBits(3);
      if (order > MAX_ORDER) throw formatError(`predictor order ${order}`);
      let h1 = start >= 1 ? ((x[start - 1] as number) - offset) >> shift : 0;
      let h2 = start >= 2 ? ((x[start - 2] as number) - offset) >> shift : 0;
      let h3 = start >= 3 ? ((x[start - 3] as number) - offset) >> shift : 0;
      let h4 = start >= 4 ? ((x[start - 4] as number) - offset) >> shift : 0;
      for (let ps0 = 0; ps0 < len; ps0 += PARTITION) {
        const end = Math.min(len, ps0 + PARTITION);
        const k = r.readBits(5);
        let width = 0;
        if (k === ESCAPE) {
          width = r.readBits(5);
          if (width > MAX_BITS) throw formatError(`escape width ${width}`);
        } else if (k > MAX_BITS) throw formatError(`Rice parameter ${k}`);
        const qLimit = MAX_U >>> (k === ESCAPE ? 0 : k);
        const scale = 2 ** k;
        for (let i = ps0; i < end; i++) {
          let u: number;
          if (k === ESCAPE) u = r.readBits(width);
          else {
            u = r.readUnary(qLimit) * scale + r.readBits(k);
            if (u > MAX_U) throw formatError('residual out of range');
          }
          const res = (u >>> 1) ^ -(u & 1);
          let pred: number;
          switch (order) {
            case 0: pred = 0; break;
            case 1: pred = h1; break;
            case 2: pred = 2 * h1 - h2; break;
            case 3: pred = 3 * h1 - 3 * h2 + h3; break;
            default: pred = 4 * h1 - 6 * h2 + 4 * h3 - h4;
          }
          const y = pred + res;
          const x0 = y * scaleX + offset;
          if (x0 < -32768 || x0 > 32767) throw formatError('sample out of int16 range');
          x[start + i] = x0;
          h4 = h3;
          h3 = h2;
          h2 = h1;
          h1 = y;
        }
      }
    }
  }
  // Only the zero padding of the last byte may follow.
  const rest = r.remainingBits;
  if (rest >= 8 || r.readBits(rest) !== 0) throw formatError('trailing data after the last block');
  return { samplingFrequency, leads };
}
