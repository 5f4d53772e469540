/**
 * The service-level clock of one case, as a pure state machine the hub
 * drives: assigned → opened → answered. An assigned case has a deadline to be
 * opened (per priority); when it passes, the case escalates to the next
 * candidate who has not had it yet (on duty, then the specialty's on-call,
 * then the region's), and a new deadline starts. Opening or answering stops
 * the clock. No timers here: `tick(now)` says what is due and the caller
 * persists it, so a restart loses nothing.
 */
import type { Candidate, Tier } from './roster.js';
import type { Specialty } from './routing-rules.js';

export type Priority = 'urgent' | 'routine';
export type SlaStatus = 'assigned' | 'opened' | 'answered';
export type SlaLimits = { urgentMinutes: number; routineMinutes: number };

export type SlaCase = {
  postId: string;
  caseId: string;
  priority: Priority;
  specialty: Specialty;
  status: SlaStatus;
  /** null: the specialty's shared queue. */
  assignee: string | null;
  /** ms since the epoch; null once stopped, or when nobody is left to escalate to. */
  deadline: number | null;
  /** Everyone the case has been assigned to, so an escalation never goes back. */
  tried: string[];
};

export type Escalation = {
  postId: string;
  caseId: string;
  at: number;
  from: string | null;
  /** null: nobody left; the case stays where it is and the operator must act. */
  to: string | null;
  tier: Tier | 'exhausted';
  reason: string;
};

export function limitMs(priority: Priority, limits: SlaLimits): number {
  return (priority === 'urgent' ? limits.urgentMinutes : limits.routineMinutes) * 60_000;
}

/** A freshly routed case, given to the first candidate (or the shared queue when there is none). */
export function assign(
  c: Pick<SlaCase, 'postId' | 'caseId' | 'priority' | 'specialty'>,
  assignee: string | null,
  now: number,
  limits: SlaLimits,
): SlaCase {
  return { ...c, status: 'assigned', assignee, deadline: now + limitMs(c.priority, limits), tried: assignee ? [assignee] : [] };
}

/** Opening stops the clock, and the one who opened it holds it from then on. */
export function opened(c: SlaCase, by: string): SlaCase {
  if (c.status !== 'assigned') return c;
  return { ...c, status: 'opened', assignee: by, deadline: null, tried: c.tried.includes(by) ? c.tried : [...c.tried, by] };
}

export function answered(c: SlaCase): SlaCase {
  return { ...c, status: 'answered', deadline: null };
}

/** The escalation due for one case at `now`, with the case after it, or null. */
export function escalate(c: SlaCase, now: number, candidates: Candidate[], limits: SlaLimits): { next: SlaCase; escalation: Escalation } | null {
  if (c.status !== 'assigned' || c.deadline === null || now < c.deadline) return null;
  const late = Math.round((now - c.deadline + limitMs(c.priority, limits)) / 60_000);
  const who = c.assignee ?? `the ${c.specialty} queue`;
  const pick = candidates.find((k) => !c.tried.includes(k.specialistId));
  if (!pick) {
    const escalation = { postId: c.postId, caseId: c.caseId, at: now, from: c.assignee, to: null, tier: 'exhausted' as const, reason: `not opened by ${who} in ${late} min; nobody left to call` };
    return { next: { ...c, deadline: null }, escalation };
  }
  const escalation: Escalation = {
    postId: c.postId, caseId: c.caseId, at: now, from: c.assignee, to: pick.specialistId, tier: pick.tier,
    reason: `${c.priority} case not opened by ${who} in ${late} min; ${TIER_WORDS[pick.tier]}`,
  };
  const next = { ...c, assignee: pick.specialistId, deadline: now + limitMs(c.priority, limits), tried: [...c.tried, pick.specialistId] };
  return { next, escalation };
}

const TIER_WORDS: Record<Tier, string> = {
  duty: 'next specialist on duty',
  onCall: "the specialty's on-call",
  regionOnCall: "the region's on-call",
};

/** Every escalation due at `now`, in deadline order. */
export function tick(
  cases: SlaCase[],
  now: number,
  candidatesFor: (specialty: Specialty, at: Date) => Candidate[],
  limits: SlaLimits,
): Array<{ next: SlaCase; escalation: Escalation }> {
  const due = cases.filter((c) => c.status === 'assigned' && c.deadline !== null && c.deadline <= now);
  due.sort((a, b) => a.deadline! - b.deadline!);
  const out: Array<{ next: SlaCase; escalation: Escalation }> = [];
  for (const c of due) {
    const r = escalate(c, now, candidatesFor(c.specialty, new Date(now)), limits);
    if (r) out.push(r);
  }
  return out;
}
