/**
 * Every post's access log, as the posts sent it (protocol/audit-batch.ts):
 * where a region's data protection officer searches who saw what at any
 * post, and where a log wiped on a stolen box survives. Stored as sent,
 * hashes included, and never trusted blindly: `chainOf` re-checks each
 * post's chain, so an entry removed or edited at the post before it left is
 * shown as a gap or an alteration. Append-only like the hub's own log.
 */
import { verifyChain, type ChainReport } from '../../lib/auth/audit-chain.js';
import { MAX_LIST, type AuditOutcome } from '../../lib/auth/audit-log.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import type { AuditBatch, ShippedEntry } from '../../protocol/audit-batch.js';

const MIGRATIONS = [
  `CREATE TABLE post_audit (
     post_id TEXT NOT NULL, id INTEGER NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     target TEXT, detail TEXT, origin TEXT, outcome TEXT NOT NULL, hash TEXT NOT NULL, prev TEXT NOT NULL, received_at INTEGER NOT NULL,
     PRIMARY KEY (post_id, id)) WITHOUT ROWID;
   CREATE INDEX post_audit_at ON post_audit (at);
   CREATE INDEX post_audit_actor ON post_audit (actor, at);
   CREATE INDEX post_audit_target ON post_audit (target, at);
   CREATE TABLE post_audit_retention (post_id TEXT NOT NULL, through_id INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (post_id, through_id));
   CREATE TRIGGER post_audit_no_update BEFORE UPDATE ON post_audit BEGIN SELECT RAISE(ABORT, 'post_audit is append-only'); END;
   CREATE TRIGGER post_audit_no_delete BEFORE DELETE ON post_audit
     WHEN OLD.id > (SELECT COALESCE(MAX(through_id), 0) FROM post_audit_retention WHERE post_id = OLD.post_id)
     BEGIN SELECT RAISE(ABORT, 'post_audit is append-only'); END`,
];

export type PostAuditEntry = {
  postId: string; id: number; at: number; actor: string; action: string; target?: string;
  detail?: Record<string, unknown>; from?: string; outcome: AuditOutcome;
};

export type PostAuditFilter = { postId?: string; actor?: string; target?: string; action?: string; outcome?: AuditOutcome; beforeAt?: number; limit?: number };

type Row = ShippedEntry & { post_id: string; prev: string };

export class PostAuditStore {
  constructor(private readonly db: Db, private readonly now: () => number) {
    migrate(db, 'post-audit', MIGRATIONS);
  }

  /** Stores a batch; an entry already held is kept as it first came (a batch can arrive twice: link and resend). */
  add(postId: string, batch: AuditBatch): { added: number } {
    const insert = this.db.prepare(`INSERT OR IGNORE INTO post_audit (post_id, id, at, actor, action, target, detail, origin, outcome, hash, prev, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    return this.db.transaction(() => {
      let added = 0;
      let prev = batch.prev;
      for (const e of batch.entries) {
        added += insert.run(postId, e.id, e.at, e.actor, e.action, e.target, e.detail, e.origin, e.outcome, e.hash, prev, this.now()).changes;
        prev = e.hash;
      }
      return { added };
    })();
  }

  /** Newest first, across posts or for one; paged by time. */
  search(f: PostAuditFilter = {}): PostAuditEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (clause: string, v: string | number | undefined) => {
      if (v === undefined || v === '') return;
      where.push(clause);
      args.push(v);
    };
    add('post_id = ?', f.postId);
    add('actor = ?', f.actor);
    add('target = ?', f.target);
    add('action = ?', f.action);
    add('outcome = ?', f.outcome);
    add('at < ?', f.beforeAt);
    const limit = Math.min(Math.max(1, f.limit ?? 100), MAX_LIST);
    const sql = `SELECT * FROM post_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, post_id, id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEntry);
  }

  posts(): string[] {
    return this.db.prepare('SELECT DISTINCT post_id FROM post_audit ORDER BY post_id').pluck().all() as string[];
  }

  /** The post's chain as the hub holds it: a gap is an entry not (yet) received or removed at the post before it left. */
  chainOf(postId: string): ChainReport {
    const first = this.db.prepare('SELECT id, prev FROM post_audit WHERE post_id = ? ORDER BY id LIMIT 1').get(postId) as { id: number; prev: string } | undefined;
    const rows = this.db.prepare('SELECT id, at, actor, action, target, detail, origin, outcome, hash FROM post_audit WHERE post_id = ? ORDER BY id').iterate(postId) as Iterable<ShippedEntry>;
    return verifyChain(rows, first ? { afterId: first.id - 1, hash: first.prev } : undefined);
  }

  /** Removes entries older than `before` (epoch ms), recording each post's cut so its chain verifies from there. */
  prune(before: number): number {
    return this.db.transaction(() => {
      const cuts = this.db.prepare('SELECT post_id, MAX(id) AS id FROM post_audit WHERE at < ? GROUP BY post_id').all(before) as Array<{ post_id: string; id: number }>;
      let removed = 0;
      for (const c of cuts) {
        this.db.prepare('INSERT OR IGNORE INTO post_audit_retention (post_id, through_id, hash) SELECT post_id, id, hash FROM post_audit WHERE post_id = ? AND id = ?').run(c.post_id, c.id);
        removed += this.db.prepare('DELETE FROM post_audit WHERE post_id = ? AND id <= ?').run(c.post_id, c.id).changes;
      }
      return removed;
    }).immediate();
  }
}

function toEntry(r: Row): PostAuditEntry {
  const e: PostAuditEntry = { postId: r.post_id, id: r.id, at: r.at, actor: r.actor, action: r.action, outcome: r.outcome as AuditOutcome };
  if (r.target !== null) e.target = r.target;
  if (r.detail !== null) e.detail = JSON.parse(r.detail) as Record<string, unknown>;
  if (r.origin !== null) e.from = r.origin;
  return e;
}
