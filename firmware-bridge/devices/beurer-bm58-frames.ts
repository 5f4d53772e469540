/**
 * Beurer BM58 / BM65 blood-pressure monitor over its USB-serial cable
 * (4800 8N1): the bytes of each request and answer. These units are built
 * on the Andon KD001 meter; the protocol is the one read by the BPM tool
 * (DaveDavenport/BPM, bpm.cc) and bm58.py (N. Richter, babo/bm58):
 *   host 0xAA            → device 0x55                       (ping)
 *   host 0xA4            → 32 ASCII bytes                    (device name)
 *   host 0xA2            → 1 byte: stored measurements      (count)
 *   host 0xA3, i (1..n)  → 9 bytes, or 0xA9 = no such record (record i)
 * Record: 0xAC, systolic−25, diastolic−25, pulse, month, day, hour,
 * minute, year−2000 (device-local time, no zone).
 */
import type { BloodPressureReading } from './readings.js';

export const BM58 = {
  ping: 0xaa,
  pong: 0x55,
  getName: 0xa4,
  getCount: 0xa2,
  getRecord: 0xa3,
  recordStart: 0xac,
  noRecord: 0xa9,
} as const;

export type Bm58Request = { kind: 'ping' } | { kind: 'name' } | { kind: 'count' } | { kind: 'record'; index: number };

export function requestBytes(r: Bm58Request): Uint8Array {
  if (r.kind === 'record') return Uint8Array.of(BM58.getRecord, r.index);
  return Uint8Array.of(r.kind === 'ping' ? BM58.ping : r.kind === 'name' ? BM58.getName : BM58.getCount);
}

export const BM58_NAME_LENGTH = 32;
export const BM58_RECORD_LENGTH = 9;
const PRESSURE_OFFSET = 25;

/**
 * These meters store 60 readings per memory (BPM's man page: "up to 60
 * data points"): a count above this bound is line noise, not memory.
 */
export const BM58_MAX_RECORDS = 200;

/** A measurement as the cuff stores it (what an emulator is given). */
export interface Bm58Measurement {
  systolicMmHg: number;
  diastolicMmHg: number;
  pulseBpm: number;
  /** "YYYY-MM-DDTHH:MM", device-local. */
  measuredAt: string;
}

export function encodeRecord(m: Bm58Measurement): Uint8Array {
  const t = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(m.measuredAt);
  if (!t) throw new RangeError(`measuredAt must be YYYY-MM-DDTHH:MM, got ${m.measuredAt}`);
  const [year, month, day, hour, minute] = t.slice(1).map(Number) as [number, number, number, number, number];
  return Uint8Array.from([
    BM58.recordStart,
    m.systolicMmHg - PRESSURE_OFFSET,
    m.diastolicMmHg - PRESSURE_OFFSET,
    m.pulseBpm,
    month,
    day,
    hour,
    minute,
    year - 2000,
  ]);
}

/**
 * A whole record (first byte 0xAC) to a reading, or undefined when a field
 * cannot be real. The bounds are plausibility limits, wider than any
 * reading an upper-arm cuff stores; diastolic ≥ systolic and impossible
 * calendar fields are refused too (they are what line noise looks like).
 */
export function parseRecord(r: readonly number[], index: number): BloodPressureReading | undefined {
  if (r.length !== BM58_RECORD_LENGTH || r[0] !== BM58.recordStart) return undefined;
  const [, sys, dia, pulse, month, day, hour, minute, year] = r as [number, number, number, number, number, number, number, number, number];
  const systolic = sys + PRESSURE_OFFSET;
  const diastolic = dia + PRESSURE_OFFSET;
  const fullYear = 2000 + year;
  const ok =
    systolic >= 50 && systolic <= 280 &&
    diastolic >= 30 && diastolic < systolic &&
    pulse >= 30 && pulse <= 220 &&
    month >= 1 && month <= 12 &&
    day >= 1 && day <= daysInMonth(fullYear, month) &&
    hour <= 23 && minute <= 59 && year <= 99;
  if (!ok) return undefined;
  return {
    kind: 'bloodPressure',
    systolicMmHg: systolic,
    diastolicMmHg: diastolic,
    pulseBpm: pulse,
    measuredAt: `${fullYear}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`,
    index,
  };
}

/** The name answer: 32 bytes of printable ASCII, NUL- or space-padded. */
export function parseName(bytes: readonly number[]): string | undefined {
  if (bytes.some((b) => b !== 0 && (b < 0x20 || b > 0x7e))) return undefined;
  return String.fromCharCode(...bytes.filter((b) => b !== 0)).trim();
}

export function encodeName(name: string): Uint8Array {
  const out = new Uint8Array(BM58_NAME_LENGTH).fill(0x20);
  for (let i = 0; i < Math.min(name.length, BM58_NAME_LENGTH); i++) out[i] = name.charCodeAt(i) & 0x7f;
  return out;
}

const pad = (n: number): string => String(n).padStart(2, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
