/**
 * WFDB records (PhysioNet): decode the signal files a header names, turn raw
 * ADC units into physical ones, and write a record back out as format 16.
 * Pure functions, no I/O (wfdb-files.ts reads the disk). Format rules cite
 * PhysioNet's signal(5) and header(5) man pages.
 */
import { ChasquiError } from '../../lib/errors.js';
import { formatHeader, parseHeader, type WfdbHeader, type WfdbSignal } from './wfdb-header.js';

export { parseHeader, formatHeader };
export type { WfdbFormat, WfdbHeader, WfdbSignal } from './wfdb-header.js';

/** Samples as stored: 16-bit formats decode to Int16Array, format 24 to Int32Array. */
export type WfdbSamples = Int16Array | Int32Array;

function fail(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

/** Signals stored in one file, interleaved frame by frame in header order (signal(5)). */
interface FileGroup {
  fileName: string;
  format: WfdbSignal['format'];
  byteOffset: number;
  indices: number[];
}

function groupByFile(header: WfdbHeader): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName);
    if (!g) {
      groups.set(s.fileName, { fileName: s.fileName, format: s.format, byteOffset: s.byteOffset, indices: [i] });
      return;
    }
    // One file holds one interleaved stream, so its signals must agree on how it is laid out.
    if (g.format !== s.format || g.byteOffset !== s.byteOffset) {
      fail(`signal ${i} (${s.description || s.fileName}) disagrees with earlier signals of ${s.fileName} on format or byte offset`);
    }
    g.indices.push(i);
  });
  return [...groups.values()];
}

/** Bytes needed for `values` samples: 2 each in format 16, 3 in 24, 3 per pair in 212 (an odd last one takes 2). */
function bytesFor(format: WfdbSignal['format'], values: number): number {
  if (format === 16) return values * 2;
  if (format === 24) return values * 3;
  return Math.ceil((values * 3) / 2);
}

/** When the header gives no sample count, header(5) says the signal file's length decides it. */
function samplesFromLength(group: FileGroup, length: number): number {
  const bytes = Math.max(0, length - group.byteOffset);
  const values = group.format === 16 ? Math.floor(bytes / 2) : group.format === 24 ? Math.floor(bytes / 3) : Math.floor((bytes * 2) / 3);
  return Math.floor(values / group.indices.length);
}

/** Format 16 (signal(5)): two's-complement little-endian 16-bit samples. */
function decode16(bytes: Uint8Array, offset: number, out: WfdbSamples[], nsamp: number): void {
  const nsig = out.length;
  let p = offset;
  for (let t = 0; t < nsamp; t++) {
    for (let s = 0; s < nsig; s++) {
      out[s]![t] = bytes[p]! | (bytes[p + 1]! << 8); // Int16Array storage wraps to the signed value
      p += 2;
    }
  }
}

/** Format 24 (signal(5)): two's-complement little-endian 24-bit samples, as 24-bit front ends give them. */
function decode24(bytes: Uint8Array, offset: number, out: WfdbSamples[], nsamp: number): void {
  const nsig = out.length;
  let p = offset;
  for (let t = 0; t < nsamp; t++) {
    for (let s = 0; s < nsig; s++) {
      out[s]![t] = ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8;
      p += 3;
    }
  }
}

/**
 * Format 212 (signal(5)): pairs of 12-bit two's-complement samples in 3 bytes.
 * The pairs run over the flat interleaved stream, so with an odd number of
 * signals a pair spans two frames.
 */
function decode212(bytes: Uint8Array, offset: number, out: WfdbSamples[], nsamp: number): void {
  const nsig = out.length;
  const total = nsamp * nsig;
  let p = offset;
  let s = 0;
  let t = 0;
  for (let k = 0; k < total; k++) {
    let v: number;
    if ((k & 1) === 0) {
      v = bytes[p]! | ((bytes[p + 1]! & 0x0f) << 8);
    } else {
      v = bytes[p + 2]! | ((bytes[p + 1]! & 0xf0) << 4);
      p += 3;
    }
    out[s]![t] = (v << 20) >> 20; // sign-extend from 12 bits
    if (++s === nsig) {
      s = 0;
      t++;
    }
  }
}

/** signal(5)/header(5): the checksum is the 16-bit two's-complement sum of all samples of a signal. */
export function checksum16(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) & 0xffff;
  return (sum << 16) >> 16;
}

function verifyChecksum(header: WfdbHeader, index: number, samples: WfdbSamples): void {
  const expected = header.signals[index]!.checksum;
  if (expected === undefined) return;
  const actual = checksum16(samples);
  if ((actual & 0xffff) !== (expected & 0xffff)) {
    const s = header.signals[index]!;
    fail(`signal ${index} (${s.description || s.fileName}) checksum is ${actual}, header says ${expected}`);
  }
}

/**
 * Decode every signal of a record, in header order, as raw ADC values. `files`
 * maps each file name the header uses to its bytes. Throws
 * CHASQUI_ERR_ECG_FORMAT for a missing or short file or a checksum mismatch.
 */
export function decodeSignals(header: WfdbHeader, files: Record<string, Uint8Array>): WfdbSamples[] {
  const result: WfdbSamples[] = new Array(header.signals.length);
  for (const group of groupByFile(header)) {
    const bytes = Object.hasOwn(files, group.fileName) ? files[group.fileName] : undefined;
    if (!(bytes instanceof Uint8Array)) fail(`signal file ${group.fileName} is missing`);
    const nsamp = header.samplesPerSignal ?? samplesFromLength(group, bytes.length);
    const needed = group.byteOffset + bytesFor(group.format, nsamp * group.indices.length);
    if (bytes.length < needed) {
      fail(`signal file ${group.fileName} is too short: ${bytes.length} bytes, the header needs ${needed}`);
    }
    const out = group.indices.map(() => (group.format === 24 ? new Int32Array(nsamp) : new Int16Array(nsamp)));
    if (group.format === 16) decode16(bytes, group.byteOffset, out, nsamp);
    else if (group.format === 24) decode24(bytes, group.byteOffset, out, nsamp);
    else decode212(bytes, group.byteOffset, out, nsamp);
    group.indices.forEach((sig, j) => {
      verifyChecksum(header, sig, out[j]!);
      result[sig] = out[j]!;
    });
  }
  return result;
}

/** A raw sample in the signal's physical units: (raw − baseline) / gain; gain 0 means 200 (header(5)). */
export function physical(header: WfdbHeader, signalIndex: number, raw: number): number {
  const s = header.signals[signalIndex];
  if (!s) fail(`record ${header.recordName} has no signal ${signalIndex}`);
  const gain = s.gain === 0 ? 200 : s.gain;
  return (raw - s.baseline) / gain;
}

/**
 * Write a record as one format-16 file `<record>.dat` (or `fileName`), with the
 * original gains, baselines, units, descriptions and comments, and checksums
 * and initial values computed from the samples.
 */
export function encodeFormat16(
  header: WfdbHeader,
  signals: ArrayLike<number>[],
  fileName = `${header.recordName}.dat`,
): { header: string; dat: Uint8Array } {
  return encodeWfdb(header, signals, 16, fileName);
}

/**
 * Write a record in format 16 or 24 (signal(5): 24-bit two's complement,
 * little-endian — what 24-bit front ends such as the ADS1299 need, since
 * their samples do not fit 16 bits).
 */
export function encodeWfdb(
  header: WfdbHeader,
  signals: ArrayLike<number>[],
  format: 16 | 24,
  fileName = `${header.recordName}.dat`,
): { header: string; dat: Uint8Array } {
  if (signals.length !== header.signals.length) {
    fail(`record ${header.recordName} has ${header.signals.length} signals but ${signals.length} were given`);
  }
  const nsamp = signals[0]?.length ?? header.samplesPerSignal ?? 0;
  signals.forEach((s, i) => {
    if (s.length !== nsamp) fail(`signal ${i} has ${s.length} samples, signal 0 has ${nsamp}`);
  });
  const nsig = signals.length;
  const width = format / 8;
  const limit = 2 ** (format - 1);
  const dat = new Uint8Array(nsamp * nsig * width);
  for (let s = 0; s < nsig; s++) {
    const src = signals[s]!;
    for (let t = 0; t < nsamp; t++) {
      const v = src[t]!;
      if (!(v >= -limit && v < limit)) fail(`signal ${s} sample ${t} (${v}) does not fit format ${format}`);
      const at = (t * nsig + s) * width;
      for (let b = 0; b < width; b++) dat[at + b] = (v >> (8 * b)) & 0xff;
    }
  }
  const out = {
    ...header,
    samplesPerSignal: nsamp,
    signals: header.signals.map((s, i) => ({
      ...s,
      fileName,
      format,
      byteOffset: 0,
      initialValue: nsamp > 0 ? signals[i]![0]! : s.initialValue,
      checksum: checksum16(signals[i]!),
      blockSize: 0,
    })),
  };
  return { header: formatHeader(out), dat };
}
