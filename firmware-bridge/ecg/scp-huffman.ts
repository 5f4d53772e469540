/**
 * SCP-ECG Huffman decoding and difference reconstruction (EN 1064:2005
 * Section 2 "Huffman tables" and annex C "Huffman encoding"). Pure; a malformed
 * stream becomes a ChasquiError, never another exception.
 */
import { ChasquiError } from '../../lib/errors.js';

/** One code structure of Section 2: 9 bytes on disk. */
export interface HuffmanCode {
  prefixBits: number;
  /** Prefix plus the bits of an "original" value that follows it. */
  totalBits: number;
  /** 1 = the code is a value; 0 = switch to the table whose number is `baseValue`. */
  modeSwitch: number;
  baseValue: number;
  /** The prefix, most significant bit first (on disk it is stored bit-reversed). */
  code: number;
}

export type HuffmanTable = HuffmanCode[];

/** Section 2 "number of Huffman tables" value that means "use the default table". */
export const DEFAULT_TABLE_MARKER = 19999;

/**
 * The default table, EN 1064 annex C.2.7.4 (prEN 1064:2002): 0 → "0";
 * ±n (1..8) → n ones, then 0, then a sign bit (0 = +, 1 = −); ten ones then
 * 0 → an 8-bit two's-complement value; ten ones → a 16-bit value.
 */
export const DEFAULT_TABLE: HuffmanTable = (() => {
  const codes: HuffmanCode[] = [{ prefixBits: 1, totalBits: 1, modeSwitch: 1, baseValue: 0, code: 0 }];
  for (let n = 1; n <= 8; n++) {
    const ones = (1 << n) - 1;
    codes.push({ prefixBits: n + 2, totalBits: n + 2, modeSwitch: 1, baseValue: n, code: ones << 2 });
    codes.push({ prefixBits: n + 2, totalBits: n + 2, modeSwitch: 1, baseValue: -n, code: (ones << 2) | 1 });
  }
  codes.push({ prefixBits: 10, totalBits: 18, modeSwitch: 1, baseValue: 0, code: 0x3fe });
  codes.push({ prefixBits: 10, totalBits: 26, modeSwitch: 1, baseValue: 0, code: 0x3ff });
  return codes;
})();

function fail(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

function reverseBits(value: number, n: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) out = (out << 1) | ((value >>> i) & 1);
  return out >>> 0;
}

/**
 * Section 2 data: u16 number of tables (19999 = default),
 * then per table a u16 count and that many 9-byte code structures: prefix
 * bits, total bits, mode switch, i16 base value, u32 base code (bit-reversed).
 * An empty list means the data are not Huffman-coded.
 */
export function parseHuffmanTables(data: Uint8Array): HuffmanTable[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 2) fail('Section 2 (Huffman tables) is too short');
  const count = view.getUint16(0, true);
  if (count === DEFAULT_TABLE_MARKER) return [DEFAULT_TABLE];
  let at = 2;
  const tables: HuffmanTable[] = [];
  for (let t = 0; t < count; t++) {
    if (at + 2 > data.length) fail(`Section 2 ends inside Huffman table ${t + 1} of ${count}`);
    const n = view.getUint16(at, true);
    at += 2;
    if (at + 9 * n > data.length) fail(`Section 2 ends inside Huffman table ${t + 1} of ${count}`);
    const table: HuffmanTable = [];
    for (let i = 0; i < n; i++, at += 9) {
      const prefixBits = view.getUint8(at);
      const totalBits = view.getUint8(at + 1);
      // A prefix longer than 32 bits cannot be stored in the u32 base code.
      if (prefixBits < 1 || prefixBits > 32 || totalBits < prefixBits || totalBits - prefixBits > 32) {
        fail(`Section 2 table ${t + 1} code ${i + 1} has impossible bit lengths ${prefixBits}/${totalBits}`);
      }
      table.push({
        prefixBits,
        totalBits,
        modeSwitch: view.getUint8(at + 2),
        baseValue: view.getInt16(at + 3, true),
        code: reverseBits(view.getUint32(at + 5, true), prefixBits),
      });
    }
    tables.push(table);
  }
  // 0 tables means the data are not Huffman-coded at all (as with no Section 2; ECG Toolkit reads it so too).
  return tables;
}

/** A table indexed by prefix length, so a code is found while reading bits one at a time. */
type Lookup = Map<number, HuffmanCode>[];

function lookup(table: HuffmanTable): Lookup {
  const byLength: Lookup = [];
  for (const c of table) {
    const m = (byLength[c.prefixBits] ??= new Map());
    if (!m.has(c.code)) m.set(c.code, c);
  }
  return byLength;
}

/** Most-significant-bit-first reader over one lead's bytes (each lead starts on a byte boundary: Section 6 gives byte lengths). */
class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  bit(): number {
    const byte = this.bytes[this.pos >>> 3];
    if (byte === undefined) return -1;
    const b = (byte >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  /** n-bit two's-complement value, or undefined at end of data. */
  signed(n: number): number | undefined {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = this.bit();
      if (b < 0) return undefined;
      v = v * 2 + b;
    }
    return n > 0 && v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }
}

/**
 * Decode `count` values of one lead. Decoding starts in table 1; a
 * mode-switch code changes to the table its base value numbers (from 1, as
 * ECG Toolkit reads it) and yields no value. A code with bits after its
 * prefix stands for base value + those bits as a two's-complement number:
 * the default table's escapes have base 0, where PixelMed, ECG Toolkit and
 * parsescp all agree; ECG Toolkit also adds a non-zero base, and so do we.
 */
export function huffmanDecode(bytes: Uint8Array, tables: HuffmanTable[], count: number, what: string): Int32Array {
  // Every code is at least one bit: refuse before allocating for a count the data cannot hold.
  if (count > bytes.length * 8) fail(`${what}: ${bytes.length} bytes cannot hold ${count} samples`);
  const lookups = tables.map(lookup);
  let current = lookups[0] ?? fail('no Huffman table');
  const maxBits = 32;
  const out = new Int32Array(count);
  const reader = new BitReader(bytes);
  let switches = 0;
  for (let i = 0; i < count; ) {
    let code = 0;
    let found: HuffmanCode | undefined;
    for (let len = 1; len <= maxBits && !found; len++) {
      const b = reader.bit();
      if (b < 0) fail(`${what}: data end after ${i} of ${count} samples`);
      code = ((code << 1) | b) >>> 0;
      found = current[len]?.get(code);
    }
    if (!found) fail(`${what}: bit pattern not in the Huffman table at sample ${i + 1}`);
    if (found.modeSwitch === 0) {
      // Guard against a table that switches forever without yielding values.
      if (++switches > bytes.length * 8) fail(`${what}: Huffman table switches without end`);
      current = lookups[found.baseValue - 1] ?? fail(`${what}: switch to Huffman table ${found.baseValue}, which Section 2 does not hold`);
      continue;
    }
    if (found.totalBits > found.prefixBits) {
      const v = reader.signed(found.totalBits - found.prefixBits);
      if (v === undefined) fail(`${what}: data end after ${i} of ${count} samples`);
      const value = found.baseValue + v;
      if (Math.abs(value) > 2 ** 31 - 1) fail(`${what}: sample ${i + 1} is out of range`);
      out[i++] = value;
    } else {
      out[i++] = found.baseValue;
    }
  }
  return out;
}

/** Values with no Huffman coding (no Section 2): little-endian signed 16-bit words. */
export function rawDecode(bytes: Uint8Array, count: number, what: string): Int32Array {
  if (bytes.length < count * 2) fail(`${what}: holds ${Math.floor(bytes.length / 2)} of ${count} samples`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/**
 * Undo difference encoding in place (Sections 5 and 6, data byte 5):
 * 1 → x[n] = d[n] + x[n−1]; 2 → x[n] = d[n] + 2x[n−1] − x[n−2]; the first
 * one or two values are stored as they are.
 */
export function undifference(values: Int32Array, mode: number, what: string): Int32Array {
  if (mode === 0) return values;
  if (mode !== 1 && mode !== 2) fail(`${what}: unknown "difference data used" value ${mode} (0, 1 or 2 expected)`);
  // Float64 scratch so an absurd file overflows into a range check instead of wrapping silently.
  const x = Float64Array.from(values);
  for (let n = mode; n < x.length; n++) {
    x[n] = mode === 1 ? x[n]! + x[n - 1]! : x[n]! + 2 * x[n - 1]! - x[n - 2]!;
    if (!Number.isSafeInteger(x[n])) fail(`${what}: sample ${n + 1} overflows`);
  }
  for (let n = 0; n < x.length; n++) {
    if (Math.abs(x[n]!) > 2 ** 31 - 1) fail(`${what}: sample ${n + 1} is out of range`);
    values[n] = x[n]!;
  }
  return values;
}
