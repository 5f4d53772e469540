/**
 * The bedside numbers a nurse copies into a case: the pulse oximeter's
 * latest SpO2 and pulse, and the blood-pressure monitor's latest
 * measurement, out of what the bridge reports for each port
 * (GET /api/ports, `latest`). Pure: the page fetches, this decides.
 *
 * How old a reading is: the oximeter streams, so its reading is as old as
 * the bytes the bridge last got (`at`). The cuff is downloaded from its
 * memory, so `at` says when it was read out, not when the arm was measured;
 * its own wall-clock time (`measuredAt`, no zone: the device has none) is
 * read in the post's time zone. A reading older than `BEDSIDE_MAX_AGE_MS`
 * belongs to an earlier patient as likely as to this one, so it is refused.
 */
import type { VitalField } from '../cases/vitals.js';

/** "A few minutes": time to read the cuff and type the rest, too short to be the previous patient. */
export const BEDSIDE_MAX_AGE_MS = 5 * 60_000;
/** A device clock a little ahead of the post's is tolerated; more means its clock is wrong. */
const CLOCK_SLACK_MS = 2 * 60_000;

export interface BridgePort {
  id: string;
  protocol: string;
  state: string;
  latest?: Array<Record<string, unknown> & { kind: string; at: number }>;
}

export interface OximeterNow {
  port: string;
  protocol: string;
  /** null: the device says no valid value (finger out, searching). */
  spo2: number | null;
  pulseBpm: number | null;
  at: number;
}

export interface PressureNow {
  port: string;
  protocol: string;
  systolic: number;
  diastolic: number;
  pulseBpm: number;
  /** When the arm was measured (ms since the epoch), from the device's clock. */
  at: number;
}

export interface Bedside {
  oximeter?: OximeterNow;
  pressure?: PressureNow;
}

export type Freshness = 'fresh' | 'stale' | 'future';

export function freshness(at: number, now: number): Freshness {
  if (at > now + CLOCK_SLACK_MS) return 'future';
  return now - at > BEDSIDE_MAX_AGE_MS ? 'stale' : 'fresh';
}

/** Whole minutes since `at`, never negative (a device clock slightly ahead reads as "now"). */
export function ageMinutes(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / 60_000));
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The newest oximeter and cuff readings over every port (a post may have two oximeters). */
export function bedsideOf(ports: readonly BridgePort[], timeZone: string): Bedside {
  const out: Bedside = {};
  for (const p of ports) {
    for (const r of p.latest ?? []) {
      if (r.kind === 'oximetry' && (!out.oximeter || r.at > out.oximeter.at)) {
        out.oximeter = { port: p.id, protocol: p.protocol, spo2: num(r.spo2), pulseBpm: num(r.pulseBpm), at: r.at };
      }
      if (r.kind === 'bloodPressure' && typeof r.measuredAt === 'string') {
        const at = wallTimeToEpoch(r.measuredAt, timeZone);
        const [systolic, diastolic, pulseBpm] = [num(r.systolicMmHg), num(r.diastolicMmHg), num(r.pulseBpm)];
        if (at === undefined || systolic === null || diastolic === null || pulseBpm === null) continue;
        if (!out.pressure || at > out.pressure.at) out.pressure = { port: p.id, protocol: p.protocol, systolic, diastolic, pulseBpm, at };
      }
    }
  }
  return out;
}

export type BedsideRefusal = { device: 'oximeter' | 'pressure'; why: 'none' | 'noValue' | Exclude<Freshness, 'fresh'>; minutes?: number };

/**
 * What "Usar en signos vitales" writes into the vitals: every fresh value,
 * as the form would hold it typed; and why each device gave nothing. The
 * pulse is the oximeter's when it has one (it is live), else the cuff's.
 */
export function vitalsFromBedside(b: Bedside, now: number): { vitals: Partial<Record<VitalField, string>>; refused: BedsideRefusal[] } {
  const vitals: Partial<Record<VitalField, string>> = {};
  const refused: BedsideRefusal[] = [];
  const p = b.pressure;
  if (!p) refused.push({ device: 'pressure', why: 'none' });
  else {
    const f = freshness(p.at, now);
    if (f === 'fresh') Object.assign(vitals, { systolic: String(p.systolic), diastolic: String(p.diastolic), pulse: String(p.pulseBpm) });
    else refused.push({ device: 'pressure', why: f, minutes: ageMinutes(p.at, now) });
  }
  const o = b.oximeter;
  if (!o) refused.push({ device: 'oximeter', why: 'none' });
  else {
    const f = freshness(o.at, now);
    if (f !== 'fresh') refused.push({ device: 'oximeter', why: f, minutes: ageMinutes(o.at, now) });
    else if (o.spo2 === null && o.pulseBpm === null) refused.push({ device: 'oximeter', why: 'noValue' });
    else {
      if (o.spo2 !== null) vitals.spo2 = String(o.spo2);
      if (o.pulseBpm !== null) vitals.pulse = String(o.pulseBpm);
    }
  }
  return { vitals, refused };
}

/** "2026-11-23T07:55" on a wall clock in `timeZone` → ms since the epoch; undefined when it is not such a time. */
export function wallTimeToEpoch(local: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (Number.isNaN(asUtc)) return undefined;
  // The zone's offset at that instant; asked twice so a time next to a DST change lands on the right side.
  let t = asUtc - offsetMs(asUtc, timeZone);
  t = asUtc - offsetMs(t, timeZone);
  return t;
}

function offsetMs(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
  const v = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(v('year'), v('month') - 1, v('day'), v('hour'), v('minute'), v('second')) - Math.floor(t / 1000) * 1000;
}
