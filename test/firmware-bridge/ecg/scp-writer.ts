/**
 * Test-only SCP-ECG writer (EN 1064 layout, as the reader in
 * firmware-bridge/ecg/scp-*.ts documents it), for edge cases no real file
 * covers: every difference mode, custom Huffman tables, no Huffman,
 * reference-beat subtraction, bimodal compression, and fuzzing with valid CRCs.
 */
import { crcCcitt } from '../../../firmware-bridge/ecg/crc-ccitt.js';
import type { HuffmanTable } from '../../../firmware-bridge/ecg/scp-huffman.js';
import { DEFAULT_TABLE } from '../../../firmware-bridge/ecg/scp-huffman.js';

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Sections by id → their data (after the 16-byte header). Section 0 is built here. */
export function buildScp(sections: Map<number, Uint8Array>, opts: { marker?: boolean } = {}): Uint8Array {
  const ids = [...sections.keys()].filter((id) => id !== 0).sort((a, b) => a - b);
  const pointerIds = [0, ...Array.from({ length: 11 }, (_, i) => i + 1), ...ids.filter((id) => id > 11)];
  const s0len = 16 + 10 * pointerIds.length;
  const layout = new Map<number, { index: number; length: number }>();
  let at = 6 + s0len;
  for (const id of ids) {
    const length = 16 + sections.get(id)!.length;
    layout.set(id, { index: at + 1, length });
    at += length;
  }
  const pointers: number[] = [];
  for (const id of pointerIds) {
    const p = id === 0 ? { index: 7, length: s0len } : layout.get(id) ?? { index: 0, length: 0 };
    pointers.push(...u16(id), ...u32(p.length), ...u32(p.index));
  }
  const parts = [section(0, Uint8Array.from(pointers), opts.marker ?? true), ...ids.map((id) => section(id, sections.get(id)!, false))];
  const file = new Uint8Array(at);
  let o = 6;
  for (const p of parts) {
    file.set(p, o);
    o += p.length;
  }
  file.set(u32(file.length), 2);
  file.set(u16(crcCcitt(file, 2)), 0);
  return file;
}

function section(id: number, data: Uint8Array, marker: boolean): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  out.set([...u16(id), ...u32(out.length), 20, 20], 2);
  if (marker) out.set(Buffer.from('SCPECG', 'latin1'), 10);
  out.set(data, 16);
  out.set(u16(crcCcitt(out, 2)), 0);
  return out;
}

/** Section 1: tagged fields, then tag 255. */
export function section1(fields: [tag: number, value: number[] | string][]): Uint8Array {
  const bytes: number[] = [];
  for (const [tag, value] of fields) {
    const v = typeof value === 'string' ? [...Buffer.from(`${value}\0`, 'latin1')] : value;
    bytes.push(tag, ...u16(v.length), ...v);
  }
  bytes.push(255, 0, 0);
  return Uint8Array.from(bytes);
}

export function section3(leads: { code: number; start: number; end: number }[], flags = 0x04): Uint8Array {
  return Uint8Array.from([leads.length, flags, ...leads.flatMap((l) => [...u32(l.start), ...u32(l.end), l.code])]);
}

/** Section 5 or 6 data: multiplier (nV), interval (µs), difference mode, bimodal flag, lead lengths, lead bytes. */
export function encodedSection(nv: number, us: number, diff: number, bimodal: number, leads: Uint8Array[]): Uint8Array {
  const head = [...u16(nv), ...u16(us), diff, bimodal, ...leads.flatMap((l) => u16(l.length))];
  return Uint8Array.from([...head, ...leads.flatMap((l) => [...l])]);
}

export function section4(refLengthMs: number, fiducial: number, beats: { type: number; start: number; fiducial: number; end: number }[]): Uint8Array {
  const zones = beats.flatMap((b) => [...u16(b.type), ...u32(b.start), ...u32(b.fiducial), ...u32(b.end)]);
  const protectedAreas = beats.flatMap((b) => [...u32(b.start), ...u32(b.end)]);
  return Uint8Array.from([...u16(refLengthMs), ...u16(fiducial), ...u16(beats.length), ...zones, ...protectedAreas]);
}

/** Section 2 with custom tables; base codes are stored bit-reversed, as the standard does. */
export function section2(tables: HuffmanTable[] | 'default'): Uint8Array {
  if (tables === 'default') return Uint8Array.from(u16(19999));
  const bytes = [...u16(tables.length)];
  for (const t of tables) {
    bytes.push(...u16(t.length));
    for (const c of t) bytes.push(c.prefixBits, c.totalBits, c.modeSwitch, ...u16(c.baseValue & 0xffff), ...u32(reverse(c.code, c.prefixBits)));
  }
  return Uint8Array.from(bytes);
}

function reverse(v: number, n: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) out = (out << 1) | ((v >>> i) & 1);
  return out >>> 0;
}

/** Difference-encode: mode 1 → x[n] − x[n−1]; mode 2 → x[n] − 2x[n−1] + x[n−2]; first values kept. */
export function difference(x: ArrayLike<number>, mode: 0 | 1 | 2): number[] {
  return Array.from(x, (v, n) => {
    if (mode === 0 || n < mode) return v;
    return mode === 1 ? v - x[n - 1]! : v - 2 * x[n - 1]! + x[n - 2]!;
  });
}

/**
 * Huffman-encode with one table (default: the standard's). Values without a
 * code of their own use the first escape code that fits (prefix, then the
 * value minus the code's base value in two's complement). `switchAt` inserts a mode-switch code (to table number
 * `switchAt.table`) before the value at that index.
 */
export function huffmanEncode(values: number[], tables: HuffmanTable[] = [DEFAULT_TABLE], switchAt?: { index: number; code: number; table: number }): Uint8Array {
  const bits: number[] = [];
  const put = (v: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(v / 2 ** i) % 2);
  };
  let table = tables[0]!;
  values.forEach((v, i) => {
    if (switchAt && i === switchAt.index) {
      const sw = table[switchAt.code]!;
      put(sw.code, sw.prefixBits);
      table = tables[switchAt.table - 1]!;
    }
    const exact = table.find((c) => c.modeSwitch === 1 && c.totalBits === c.prefixBits && c.baseValue === v);
    if (exact) return put(exact.code, exact.prefixBits);
    const escape = table.find((c) => c.modeSwitch === 1 && c.totalBits > c.prefixBits && Math.abs(v - c.baseValue) < 2 ** (c.totalBits - c.prefixBits - 1));
    if (!escape) throw new Error(`value ${v} has no code`);
    const n = escape.totalBits - escape.prefixBits;
    const rest = v - escape.baseValue;
    put(escape.code, escape.prefixBits);
    put(rest < 0 ? rest + 2 ** n : rest, n);
  });
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >>> 3]! |= 0x80 >>> (i & 7);
  });
  return out;
}

/** Raw little-endian 16-bit words (no Section 2). */
export function rawEncode(values: number[]): Uint8Array {
  return Uint8Array.from(values.flatMap((v) => u16(v & 0xffff)));
}
