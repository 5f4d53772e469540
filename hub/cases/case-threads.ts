/**
 * A case's conversation at the hub: counter-references sent down to the
 * post, and what the post sent back up (the nurse's replies, read receipts),
 * with when each was delivered and read. The specialist's view (issue 5)
 * reads it; the post's messages are written inside the relay's completion
 * transaction, like cases.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';

export interface ThreadMessage {
  id: string;
  postId: string;
  caseId: string;
  direction: 'down' | 'up';
  type: string;
  body: unknown;
  at: string;
  /** Down messages: when the post acknowledged the whole bundle. */
  deliveredAt: string | null;
  /** Down messages: when a nurse opened it (from the post's read receipt). */
  readAt: string | null;
  readBy: string | null;
}

const MIGRATIONS = [
  `CREATE TABLE case_messages (
     id TEXT PRIMARY KEY, post_id TEXT NOT NULL, case_id TEXT NOT NULL, direction TEXT NOT NULL, type TEXT NOT NULL,
     body TEXT NOT NULL, at TEXT NOT NULL, bundle_id TEXT, delivered_at TEXT, read_at TEXT, read_by TEXT);
   CREATE INDEX case_messages_case ON case_messages (post_id, case_id, at);
   CREATE INDEX case_messages_bundle ON case_messages (bundle_id);`,
];

type Row = { id: string; post_id: string; case_id: string; direction: 'down' | 'up'; type: string; body: string; at: string; delivered_at: string | null; read_at: string | null; read_by: string | null };

export class CaseThreads {
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'hub-case-threads', MIGRATIONS);
    this.q = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO case_messages (id, post_id, case_id, direction, type, body, at, bundle_id)
         VALUES (@id, @postId, @caseId, @direction, @type, @body, @at, @bundleId)`,
      ),
      delivered: db.prepare('UPDATE case_messages SET delivered_at = ? WHERE bundle_id = ? AND direction = \'down\' AND delivered_at IS NULL'),
      read: db.prepare('UPDATE case_messages SET read_at = ?, read_by = ? WHERE id = ? AND post_id = ? AND direction = \'down\' AND read_at IS NULL'),
      thread: db.prepare<[string, string], Row>('SELECT * FROM case_messages WHERE post_id = ? AND case_id = ? ORDER BY at, rowid'),
    };
  }

  /** Returns false when the message id was already recorded (a replay). */
  add(m: { id: string; postId: string; caseId: string; direction: 'down' | 'up'; type: string; body: unknown; at: string; bundleId?: string }): boolean {
    return this.q.insert.run({ ...m, body: JSON.stringify(m.body), bundleId: m.bundleId ?? null }).changes === 1;
  }

  markDelivered(bundleId: string, at: string): void {
    this.q.delivered.run(at, bundleId);
  }

  markRead(postId: string, messageId: string, at: string, by: string): void {
    this.q.read.run(at, by, messageId, postId);
  }

  thread(postId: string, caseId: string): ThreadMessage[] {
    return this.q.thread.all(postId, caseId).map((r) => ({
      id: r.id, postId: r.post_id, caseId: r.case_id, direction: r.direction, type: r.type, body: JSON.parse(r.body) as unknown,
      at: r.at, deliveredAt: r.delivered_at, readAt: r.read_at, readBy: r.read_by,
    }));
  }
}
