/**
 * Where each case went and what happened on its clock: one assignment row per
 * (post, case), and the history of escalations. Times are ISO 8601 UTC
 * strings (they sort as they compare); deadlines are epoch ms for the
 * overdue query. Every write is one transaction, nested as a savepoint when
 * the relay's completion transaction is already open.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import type { Escalation, Priority, SlaCase, SlaStatus } from './sla.js';
import type { Specialty } from './routing-rules.js';

export type Assignment = SlaCase & {
  rule: string;
  reason: string;
  routedAt: string;
  assignedAt: string;
  openedAt: string | null;
  openedBy: string | null;
  answeredAt: string | null;
};

export type QueueItem = Assignment & { waitingMs: number };
export type QueueFilters = { postId?: string; specialty?: Specialty };
export type EscalationRecord = Omit<Escalation, 'at'> & { at: string };

const MIGRATIONS = [
  `CREATE TABLE routing_assignments (
     post_id TEXT NOT NULL, case_id TEXT NOT NULL, priority TEXT NOT NULL, specialty TEXT NOT NULL, rule TEXT NOT NULL,
     reason TEXT NOT NULL, status TEXT NOT NULL, assignee TEXT, routed_at TEXT NOT NULL, assigned_at TEXT NOT NULL,
     deadline INTEGER, tried TEXT NOT NULL, opened_at TEXT, opened_by TEXT, answered_at TEXT,
     PRIMARY KEY (post_id, case_id));
   CREATE INDEX routing_assignee ON routing_assignments (assignee, status);
   CREATE INDEX routing_deadline ON routing_assignments (deadline) WHERE status = 'assigned';
   CREATE TABLE routing_escalations (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, post_id TEXT NOT NULL, case_id TEXT NOT NULL, at TEXT NOT NULL,
     from_id TEXT, to_id TEXT, tier TEXT NOT NULL, reason TEXT NOT NULL,
     FOREIGN KEY (post_id, case_id) REFERENCES routing_assignments (post_id, case_id));
   CREATE INDEX routing_escalations_case ON routing_escalations (post_id, case_id, seq);`,
];

type Row = {
  post_id: string; case_id: string; priority: Priority; specialty: Specialty; rule: string; reason: string; status: SlaStatus;
  assignee: string | null; routed_at: string; assigned_at: string; deadline: number | null; tried: string;
  opened_at: string | null; opened_by: string | null; answered_at: string | null;
};

/** Urgent first, then whoever has waited longest; ties fall back to a stable key so pages do not shuffle. */
const QUEUE_ORDER = `ORDER BY CASE priority WHEN 'urgent' THEN 0 ELSE 1 END, routed_at, post_id, case_id`;

export class RoutingStore {
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'hub-routing', MIGRATIONS);
    this.q = {
      insert: db.prepare(
        `INSERT INTO routing_assignments (post_id, case_id, priority, specialty, rule, reason, status, assignee, routed_at, assigned_at, deadline, tried,
           opened_at, opened_by, answered_at)
         VALUES (@postId, @caseId, @priority, @specialty, @rule, @reason, @status, @assignee, @routedAt, @assignedAt, @deadline, @tried,
           @openedAt, @openedBy, @answeredAt)`,
      ),
      get: db.prepare<[string, string], Row>('SELECT * FROM routing_assignments WHERE post_id = ? AND case_id = ?'),
      update: db.prepare(
        `UPDATE routing_assignments SET status = @status, assignee = @assignee, assigned_at = @assignedAt, deadline = @deadline,
           tried = @tried, opened_at = @openedAt, opened_by = @openedBy, answered_at = @answeredAt
         WHERE post_id = @postId AND case_id = @caseId`,
      ),
      escalation: db.prepare(
        `INSERT INTO routing_escalations (post_id, case_id, at, from_id, to_id, tier, reason) VALUES (@postId, @caseId, @at, @from, @to, @tier, @reason)`,
      ),
      history: db.prepare<[string, string], { post_id: string; case_id: string; at: string; from_id: string | null; to_id: string | null; tier: EscalationRecord['tier']; reason: string }>(
        'SELECT * FROM routing_escalations WHERE post_id = ? AND case_id = ? ORDER BY seq',
      ),
      overdue: db.prepare<[number], Row>(`SELECT * FROM routing_assignments WHERE status = 'assigned' AND deadline IS NOT NULL AND deadline <= ? ORDER BY deadline`),
    };
  }

  get(postId: string, caseId: string): Assignment | undefined {
    const r = this.q.get.get(postId, caseId);
    return r && toAssignment(r);
  }

  insert(a: Assignment): void {
    this.db.transaction(() => this.q.insert.run(params(a)))();
  }

  /** Saves the case's new state and, when given, the escalation that led to it, as one fact. */
  save(a: Assignment, escalation?: Escalation): void {
    this.db.transaction(() => {
      this.q.update.run(params(a));
      if (escalation) this.q.escalation.run({ ...escalation, at: new Date(escalation.at).toISOString() });
    })();
  }

  escalations(postId: string, caseId: string): EscalationRecord[] {
    return this.q.history.all(postId, caseId).map((r) => ({
      postId: r.post_id, caseId: r.case_id, at: r.at, from: r.from_id, to: r.to_id, tier: r.tier, reason: r.reason,
    }));
  }

  /** How many unanswered cases each of `ids` holds. */
  openCounts(ids: string[]): Map<string, number> {
    if (!ids.length) return new Map();
    const rows = this.db
      .prepare<string[], { assignee: string; n: number }>(
        `SELECT assignee, count(*) AS n FROM routing_assignments WHERE status != 'answered' AND assignee IN (${ids.map(() => '?').join(', ')}) GROUP BY assignee`,
      )
      .all(...ids);
    return new Map(rows.map((r) => [r.assignee, r.n]));
  }

  /** Assigned, unopened cases whose deadline has passed at `now` (ms). */
  overdue(now: number): Assignment[] {
    return this.q.overdue.all(now).map(toAssignment);
  }

  /**
   * A specialist's worklist: cases assigned to them and their specialties'
   * shared queue, not yet answered, urgent first then longest waiting.
   */
  queue(specialistId: string, specialties: Specialty[], now: Date, f: QueueFilters = {}): QueueItem[] {
    const args: unknown[] = [specialistId];
    let sql = `SELECT * FROM routing_assignments WHERE status != 'answered'
      AND (assignee = ? OR (assignee IS NULL AND specialty IN (${specialties.map(() => '?').join(', ') || 'NULL'})))`;
    args.push(...specialties);
    if (f.postId !== undefined) {
      sql += ' AND post_id = ?';
      args.push(f.postId);
    }
    if (f.specialty !== undefined) {
      sql += ' AND specialty = ?';
      args.push(f.specialty);
    }
    const rows = this.db.prepare<unknown[], Row>(`${sql} ${QUEUE_ORDER}`).all(...args);
    return rows.map((r) => ({ ...toAssignment(r), waitingMs: Math.max(0, now.getTime() - Date.parse(r.routed_at)) }));
  }
}

function params(a: Assignment) {
  return {
    postId: a.postId, caseId: a.caseId, priority: a.priority, specialty: a.specialty, rule: a.rule, reason: a.reason, status: a.status,
    assignee: a.assignee, routedAt: a.routedAt, assignedAt: a.assignedAt, deadline: a.deadline, tried: JSON.stringify(a.tried),
    openedAt: a.openedAt, openedBy: a.openedBy, answeredAt: a.answeredAt,
  };
}

function toAssignment(r: Row): Assignment {
  return {
    postId: r.post_id, caseId: r.case_id, priority: r.priority, specialty: r.specialty, rule: r.rule, reason: r.reason, status: r.status,
    assignee: r.assignee, routedAt: r.routed_at, assignedAt: r.assigned_at, deadline: r.deadline, tried: JSON.parse(r.tried) as string[],
    openedAt: r.opened_at, openedBy: r.opened_by, answeredAt: r.answered_at,
  };
}
