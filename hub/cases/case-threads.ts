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
  // The key of the hub form that created a message: a reload or a double tap finds it instead of sending again.
  // Who opened the thread up to which message: the "new message from the post" badge is per specialist.
  `ALTER TABLE case_messages ADD COLUMN form_key TEXT;
   CREATE UNIQUE INDEX case_messages_form_key ON case_messages (form_key) WHERE form_key IS NOT NULL;
   CREATE TABLE case_thread_views (
     post_id TEXT NOT NULL, case_id TEXT NOT NULL, viewer TEXT NOT NULL, seen_upto INTEGER NOT NULL,
     PRIMARY KEY (post_id, case_id, viewer));`,
];

type Row = { id: string; post_id: string; case_id: string; direction: 'down' | 'up'; type: string; body: string; at: string; delivered_at: string | null; read_at: string | null; read_by: string | null };

export class CaseThreads {
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'hub-case-threads', MIGRATIONS);
    this.q = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO case_messages (id, post_id, case_id, direction, type, body, at, bundle_id, form_key)
         VALUES (@id, @postId, @caseId, @direction, @type, @body, @at, @bundleId, @formKey)`,
      ),
      byFormKey: db.prepare<[string], Row>('SELECT * FROM case_messages WHERE form_key = ?'),
      // rowid, not `at`: an up message carries the post's clock, which may be hours off the hub's.
      viewed: db.prepare(
        `INSERT INTO case_thread_views (post_id, case_id, viewer, seen_upto)
         SELECT @postId, @caseId, @viewer, coalesce(max(rowid), 0) FROM case_messages WHERE post_id = @postId AND case_id = @caseId
         ON CONFLICT (post_id, case_id, viewer) DO UPDATE SET seen_upto = excluded.seen_upto`,
      ),
      unread: db.prepare<[string], { post_id: string; case_id: string }>(
        `SELECT DISTINCT m.post_id, m.case_id FROM case_messages m
         LEFT JOIN case_thread_views v ON v.post_id = m.post_id AND v.case_id = m.case_id AND v.viewer = ?
         WHERE m.direction = 'up' AND m.rowid > coalesce(v.seen_upto, 0)`,
      ),
      delivered: db.prepare('UPDATE case_messages SET delivered_at = ? WHERE bundle_id = ? AND direction = \'down\' AND delivered_at IS NULL'),
      read: db.prepare('UPDATE case_messages SET read_at = ?, read_by = ? WHERE id = ? AND post_id = ? AND direction = \'down\' AND read_at IS NULL'),
      thread: db.prepare<[string, string], Row>('SELECT * FROM case_messages WHERE post_id = ? AND case_id = ? ORDER BY at, rowid'),
    };
  }

  /** Returns false when the message id was already recorded (a replay). */
  add(m: { id: string; postId: string; caseId: string; direction: 'down' | 'up'; type: string; body: unknown; at: string; bundleId?: string; formKey?: string }): boolean {
    return this.q.insert.run({ ...m, body: JSON.stringify(m.body), bundleId: m.bundleId ?? null, formKey: m.formKey ?? null }).changes === 1;
  }

  /** The message a hub form with this key already created, if any. */
  byFormKey(formKey: string): ThreadMessage | undefined {
    const r = this.q.byFormKey.get(formKey);
    return r && toMessage(r);
  }

  /** The viewer has now seen every message of the case's thread so far. */
  markViewed(postId: string, caseId: string, viewer: string): void {
    this.q.viewed.run({ postId, caseId, viewer });
  }

  /**
   * Cases with a message from the post (a nurse's reply) that this viewer has
   * not seen yet, as "postId/caseId". Per viewer, not per case: in a shared
   * queue the reply answers whoever asked, and a colleague glancing at the
   * case must not clear it for them.
   */
  unreadFor(viewer: string): Set<string> {
    return new Set(this.q.unread.all(viewer).map((r) => `${r.post_id}/${r.case_id}`));
  }

  markDelivered(bundleId: string, at: string): void {
    this.q.delivered.run(at, bundleId);
  }

  markRead(postId: string, messageId: string, at: string, by: string): void {
    this.q.read.run(at, by, messageId, postId);
  }

  thread(postId: string, caseId: string): ThreadMessage[] {
    return this.q.thread.all(postId, caseId).map(toMessage);
  }
}

function toMessage(r: Row): ThreadMessage {
  return {
    id: r.id, postId: r.post_id, caseId: r.case_id, direction: r.direction, type: r.type, body: JSON.parse(r.body) as unknown,
    at: r.at, deliveredAt: r.delivered_at, readAt: r.read_at, readBy: r.read_by,
  };
}
