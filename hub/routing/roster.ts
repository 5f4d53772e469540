/**
 * Who can take a case of a specialty at a given instant. Pure: hours are read
 * in the region's wall-clock time (America/Lima, UTC-5 all year since 1994,
 * IANA tz database) through Intl, so the config says "08:00" as people do.
 *
 * Candidates come in escalation order: the specialists on duty (in roster
 * order), then the specialty's on-call list, then the region's on-call list,
 * each person once. Nobody on duty simply means the list starts at on-call.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { RoutingConfig, ShiftConfig } from './roster-config.js';
import type { Specialty } from './routing-rules.js';

export type Tier = 'duty' | 'onCall' | 'regionOnCall';
export type Candidate = { specialistId: string; tier: Tier };
export type Specialist = { id: string; name: string; specialties: Specialty[] };

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Shift = { days: Set<number>; from: number; to: number };

export class Roster {
  private readonly people = new Map<string, Specialist & { shifts: Shift[] }>();
  private readonly weekday: Intl.DateTimeFormat;

  constructor(private readonly cfg: Pick<RoutingConfig, 'specialists' | 'onCall' | 'regionOnCall'>, timeZone = 'America/Lima') {
    for (const s of cfg.specialists) {
      if (this.people.has(s.id)) throw new ChasquiError('CHASQUI_ERR_CONFIG', `routing.specialists: ${s.id} appears twice`);
      this.people.set(s.id, { id: s.id, name: s.name, specialties: [...s.specialties], shifts: s.hours.map(parseShift) });
    }
    const lists = [...Object.values(cfg.onCall), cfg.regionOnCall];
    for (const id of lists.flatMap((l) => l ?? [])) {
      if (!this.people.has(id)) throw new ChasquiError('CHASQUI_ERR_CONFIG', `routing on-call names ${id}, who is not in routing.specialists`);
    }
    this.weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  get(id: string): Specialist | undefined {
    const p = this.people.get(id);
    return p && { id: p.id, name: p.name, specialties: p.specialties };
  }

  specialtiesOf(id: string): Specialty[] {
    return this.people.get(id)?.specialties ?? [];
  }

  /** Specialists of `specialty` whose shift covers `at`, then the on-call lists. */
  onDuty(specialty: Specialty, at: Date): Candidate[] {
    const { day, minute } = this.localTime(at);
    const out: Candidate[] = [];
    const add = (id: string, tier: Tier) => {
      if (!out.some((c) => c.specialistId === id)) out.push({ specialistId: id, tier });
    };
    for (const p of this.people.values()) {
      if (p.specialties.includes(specialty) && p.shifts.some((s) => covers(s, day, minute))) add(p.id, 'duty');
    }
    for (const id of this.cfg.onCall[specialty] ?? []) add(id, 'onCall');
    for (const id of this.cfg.regionOnCall) add(id, 'regionOnCall');
    return out;
  }

  /** Day of week (0 = Sunday) and minute of the day, in the roster's time zone. */
  private localTime(at: Date): { day: number; minute: number } {
    const parts = Object.fromEntries(this.weekday.formatToParts(at).map((p) => [p.type, p.value]));
    const day = DAYS.indexOf(String(parts.weekday).toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
    return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
  }
}

/**
 * A shift belongs to the day it starts on: "fri 20:00–08:00" covers Friday
 * night and Saturday morning. from === to means a whole day from `from`.
 */
function covers(s: Shift, day: number, minute: number): boolean {
  if (s.from < s.to) return s.days.has(day) && minute >= s.from && minute < s.to;
  const yesterday = (day + 6) % 7;
  return (s.days.has(day) && minute >= s.from) || (s.days.has(yesterday) && minute < s.to);
}

function parseShift(h: ShiftConfig): Shift {
  return { days: parseDays(h.days), from: minutes(h.from), to: minutes(h.to) };
}

function minutes(hhmm: string): number {
  const m = /^(\d\d):(\d\d)$/.exec(hhmm);
  if (!m) throw new ChasquiError('CHASQUI_ERR_CONFIG', `routing: "${hhmm}" is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "mon-fri", "sat,sun", "fri-mon" (a range may wrap past Sunday). */
export function parseDays(spec: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.toLowerCase().split(',')) {
    const [a, b = a] = part.trim().split('-').map(dayIndex);
    for (let d = a!; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === b) break;
    }
  }
  return out;
}

function dayIndex(name: string): number {
  const i = DAYS.indexOf(name.trim() as (typeof DAYS)[number]);
  if (i < 0) throw new ChasquiError('CHASQUI_ERR_CONFIG', `routing: "${name}" is not a day (mon … sun)`);
  return i;
}
