/**
 * Routing at the hub: a case that arrives gets a specialty (routing-rules),
 * a person or the specialty's shared queue (roster), and a service-level
 * clock (sla), all kept in SQLite (routing-store). Everything is synchronous
 * and touches only SQLite, so `route()` can run inside the relay's completion
 * transaction: a case is never stored without its assignment.
 */
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import type { Db } from '../../lib/sqlite.js';
import type { HubCaseStore } from '../cases/case-store.js';
import type { Roster } from './roster.js';
import { chooseSpecialty, DEFAULT_RULES, type RoutingRule } from './routing-rules.js';
import { RoutingStore, type Assignment, type QueueFilters, type QueueItem } from './routing-store.js';
import * as sla from './sla.js';

export type RouterDeps = {
  db: Db;
  cases: HubCaseStore;
  roster: Roster;
  limits: sla.SlaLimits;
  rules?: readonly RoutingRule[];
  clock: Clock;
};

export class Router {
  readonly store: RoutingStore;

  constructor(private readonly d: RouterDeps) {
    this.store = new RoutingStore(d.db);
  }

  /**
   * Chooses specialty and assignee for a case just stored. An urgent case
   * goes to someone at once, on call if nobody is on duty; a routine case
   * that arrives out of hours waits in the specialty's shared queue for the
   * next shift, rather than waking the on-call for it. Idempotent.
   */
  route(postId: string, caseId: string, now: Date): Assignment {
    const existing = this.store.get(postId, caseId);
    if (existing) return existing;
    const c = this.d.cases.find(postId, caseId);
    if (!c) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${caseId} of post ${postId}`);
    const decision = chooseSpecialty({ body: c.body, attachments: c.attachments }, this.d.rules ?? DEFAULT_RULES);
    const priority: sla.Priority = c.priority === 'urgent' ? 'urgent' : 'routine';
    const candidates = this.d.roster.onDuty(decision.specialty, now);
    const onDuty = candidates.filter((k) => k.tier === 'duty').map((k) => k.specialistId);
    const assignee = onDuty.length ? this.leastLoaded(onDuty) : priority === 'urgent' ? (candidates[0]?.specialistId ?? null) : null;
    const at = now.toISOString();
    const a: Assignment = {
      ...sla.assign({ postId, caseId, priority, specialty: decision.specialty }, assignee, now.getTime(), this.d.limits),
      rule: decision.rule, reason: decision.reason, routedAt: at, assignedAt: at, openedAt: null, openedBy: null, answeredAt: null,
    };
    this.store.insert(a);
    return a;
  }

  /** A specialist opened the case: the clock stops and the case is theirs. */
  open(postId: string, caseId: string, specialistId: string, now: Date): Assignment {
    if (!this.d.roster.get(specialistId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `specialist ${specialistId}`);
    const a = this.require(postId, caseId);
    if (a.status !== 'assigned') return a;
    const next: Assignment = { ...a, ...sla.opened(a, specialistId), openedAt: now.toISOString(), openedBy: specialistId };
    if (next.assignee !== a.assignee) next.assignedAt = now.toISOString();
    this.store.save(next);
    return next;
  }

  /** The answer went down to the post: the case leaves every queue. */
  answered(postId: string, caseId: string, now: Date): Assignment {
    const a = this.require(postId, caseId);
    if (a.status === 'answered') return a;
    const next: Assignment = { ...a, ...sla.answered(a), answeredAt: now.toISOString() };
    this.store.save(next);
    return next;
  }

  /** Applies every escalation due at `now` and returns them, for the log and the dashboard. */
  tick(now: Date): sla.Escalation[] {
    const overdue = this.store.overdue(now.getTime());
    const due = sla.tick(overdue, now.getTime(), (s, at) => this.d.roster.onDuty(s, at), this.d.limits);
    const byKey = new Map(overdue.map((a) => [`${a.postId}\u0000${a.caseId}`, a]));
    return this.d.db.transaction(() =>
      due.map(({ next, escalation }) => {
        const before = byKey.get(`${next.postId}\u0000${next.caseId}`)!;
        const moved = next.assignee !== before.assignee;
        this.store.save({ ...before, ...next, assignedAt: moved ? now.toISOString() : before.assignedAt }, escalation);
        return escalation;
      }),
    )();
  }

  queue(specialistId: string, filters: QueueFilters = {}): QueueItem[] {
    if (!this.d.roster.get(specialistId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `specialist ${specialistId}`);
    return this.store.queue(specialistId, this.d.roster.specialtiesOf(specialistId), new Date(this.d.clock.now()), filters);
  }

  private require(postId: string, caseId: string): Assignment {
    const a = this.store.get(postId, caseId);
    if (!a) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `routing of case ${caseId} of post ${postId}`);
    return a;
  }

  /** Spreads cases over the specialists on duty; ties go to roster order. */
  private leastLoaded(ids: string[]): string {
    const load = this.store.openCounts(ids);
    return ids.reduce((best, id) => ((load.get(id) ?? 0) < (load.get(best) ?? 0) ? id : best), ids[0]!);
  }
}
