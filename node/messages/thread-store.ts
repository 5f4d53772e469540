/**
 * A case's conversation as the post keeps it: the specialist's answers and
 * questions (down), the nurse's replies (up), and who read what when.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';

export interface PostThreadMessage {
  id: string;
  caseId: string;
  direction: 'down' | 'up';
  type: string;
  body: Record<string, unknown>;
  at: string;
  readAt: string | null;
  readBy: string | null;
}

const MIGRATIONS = [
  `CREATE TABLE case_thread (
     id TEXT PRIMARY KEY, case_id TEXT NOT NULL, direction TEXT NOT NULL, type TEXT NOT NULL,
     body TEXT NOT NULL, at TEXT NOT NULL, read_at TEXT, read_by TEXT);
   CREATE INDEX case_thread_case ON case_thread (case_id, at);`,
];

type Row = { id: string; case_id: string; direction: 'down' | 'up'; type: string; body: string; at: string; read_at: string | null; read_by: string | null };

export class ThreadStore {
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'post-case-thread', MIGRATIONS);
    this.q = {
      insert: db.prepare('INSERT OR IGNORE INTO case_thread (id, case_id, direction, type, body, at) VALUES (?, ?, ?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM case_thread WHERE id = ?'),
      byCase: db.prepare<[string], Row>('SELECT * FROM case_thread WHERE case_id = ? ORDER BY at, rowid'),
      // "Seen" notices are status, not messages: they never show in the inbox.
      inbox: db.prepare<[number], Row>(`SELECT * FROM case_thread WHERE direction = 'down' AND type != 'seen' ORDER BY (read_at IS NULL) DESC, at DESC LIMIT ?`),
      unread: db.prepare(`SELECT count(*) FROM case_thread WHERE direction = 'down' AND type != 'seen' AND read_at IS NULL`).pluck(),
      read: db.prepare('UPDATE case_thread SET read_at = ?, read_by = ? WHERE id = ? AND read_at IS NULL'),
      answered: db.prepare(`SELECT 1 FROM case_thread WHERE case_id = ? AND direction = 'down' AND type = 'answer' LIMIT 1`).pluck(),
    };
  }

  /** False when the id was already there: a replayed message is kept once. */
  add(m: Omit<PostThreadMessage, 'readAt' | 'readBy'>): boolean {
    return this.q.insert.run(m.id, m.caseId, m.direction, m.type, JSON.stringify(m.body), m.at).changes === 1;
  }

  get(id: string): PostThreadMessage | undefined {
    const r = this.q.get.get(id);
    return r && view(r);
  }

  byCase(caseId: string): PostThreadMessage[] {
    return this.q.byCase.all(caseId).map(view);
  }

  /** Answers and questions from specialists, unread first. */
  inbox(limit = 200): PostThreadMessage[] {
    return this.q.inbox.all(limit).map(view);
  }

  unreadCount(): number {
    return this.q.unread.get() as number;
  }

  /** True only the first time: a second reader does not send a second receipt. */
  markRead(id: string, at: string, by: string): boolean {
    return this.q.read.run(at, by, id).changes === 1;
  }

  isAnswered(caseId: string): boolean {
    return this.q.answered.get(caseId) === 1;
  }
}

function view(r: Row): PostThreadMessage {
  return { id: r.id, caseId: r.case_id, direction: r.direction, type: r.type, body: JSON.parse(r.body) as Record<string, unknown>, at: r.at, readAt: r.read_at, readBy: r.read_by };
}
