/**
 * The access log Law 29733 (Peru's personal-data law) and its regulation
 * (D.S. 003-2013-JUS, security measures) ask of whoever keeps health data:
 * who did or saw what, when, from where, and whether it was allowed.
 * Append-only: SQLite triggers refuse UPDATE and DELETE, so the app cannot
 * quietly rewrite history, and each entry is hash-chained to the one before
 * (audit-chain.ts), so whoever edits the file by hand is found out by
 * `chasqui audit verify`. Secrets never enter it: detail keys that look like
 * one are replaced before storing.
 */
import type { Clock } from '../../lib/clock.js';
import { fromStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import { entryHash, GENESIS, verifyChain, type ChainedFields, type ChainReport, type ChainStart } from './audit-chain.js';

/** One line of the access log Law 29733 asks for: who did or saw what, when. */
export interface AuditEntry {
  /** The account's username, or a reserved actor: 'local-cli' (the box's own command line), 'anonymous'. */
  actor: string;
  /** Dotted verb: 'patient.create', 'patient.view', 'case.send', 'message.read', 'session.signIn'... */
  action: string;
  /** What it was done to: a patient id, case id, message id. */
  target?: string;
  detail?: Record<string, unknown>;
  /** Where from: the client's address for a web request; absent for the box's own processes. */
  from?: string;
  /** 'refused' for an attempt the rules turned away (an access review looks for those as much as for reads). */
  outcome?: AuditOutcome;
}

export type AuditOutcome = 'allowed' | 'refused';

/** The actor name for the box's own command line (a field engineer over SSH); never a username (secret-policy.ts reserves it). */
export const LOCAL_CLI_ACTOR = 'local-cli';

export interface AuditSink {
  record(entry: AuditEntry): void;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  at: number;
  outcome: AuditOutcome;
}

export type AuditFilter = { actor?: string; target?: string; action?: string; outcome?: AuditOutcome; beforeId?: number; afterId?: number; limit?: number };

const MIGRATIONS = [
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     target TEXT, detail TEXT);
   CREATE INDEX audit_log_actor ON audit_log (actor, id);
   CREATE INDEX audit_log_target ON audit_log (target, id);
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  // Where from, allowed or refused, and the chain; rows from before keep a NULL hash and are counted as unchained.
  `ALTER TABLE audit_log ADD COLUMN origin TEXT;
   ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'allowed';
   ALTER TABLE audit_log ADD COLUMN hash TEXT`,
  // Retention removes the oldest entries only through a recorded cut, which is where verification then starts.
  `CREATE TABLE audit_retention (through_id INTEGER PRIMARY KEY, hash TEXT NOT NULL, at INTEGER NOT NULL);
   DROP TRIGGER audit_log_no_delete;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
     WHEN OLD.id > (SELECT COALESCE(MAX(through_id), 0) FROM audit_retention)
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
];

const SECRET_KEY = /pass|secret|token|cookie|authori[sz]|^pin$|clave|contrase/i;
const REDACTED = '[redacted]';
export const MAX_LIST = 500;

/** A copy of detail with every secret-looking key blanked, at any depth. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : scrub(v, depth + 1)]));
  }
  return value;
}

type Row = ChainedFields & { hash: string | null };

export class AuditLog implements AuditSink {
  private readonly insert;

  constructor(private readonly db: Db, private readonly clock: Clock) {
    migrate(db, 'audit-log', MIGRATIONS);
    this.insert = db.transaction((fields: Omit<ChainedFields, 'id'>) => {
      // Under the write lock: the id and the previous hash cannot change between reading them and writing the entry.
      const last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string | null } | undefined;
      const cut = this.start();
      const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck().get() as number | undefined;
      const row: ChainedFields = { ...fields, id: Math.max(seq ?? 0, last?.id ?? 0, cut.afterId) + 1 };
      const prev = last ? last.hash ?? GENESIS : cut.hash;
      db.prepare('INSERT INTO audit_log (id, at, actor, action, target, detail, origin, outcome, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.id, row.at, row.actor, row.action, row.target, row.detail, row.origin, row.outcome, entryHash(prev, row));
      return row.id;
    });
  }

  /** Synchronous on purpose: the entry is on disk before the handler answers; a full disk fails the request. */
  record(entry: AuditEntry): void {
    try {
      this.insert.immediate({
        at: this.clock.now(), actor: entry.actor, action: entry.action, target: entry.target ?? null,
        detail: entry.detail === undefined ? null : JSON.stringify(scrub(entry.detail)),
        origin: entry.from ?? null, outcome: entry.outcome ?? 'allowed',
      });
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  /** Newest first (oldest first with afterId, for shipping). Page on with beforeId = the last id shown. */
  list(f: AuditFilter = {}): StoredAuditEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (clause: string, v: string | number | undefined) => {
      if (v === undefined || v === '' || v === 0) return;
      where.push(clause);
      args.push(v);
    };
    add('actor = ?', f.actor);
    add('target = ?', f.target);
    add('action = ?', f.action);
    add('outcome = ?', f.outcome);
    add('id < ?', f.beforeId);
    add('id > ?', f.afterId);
    const limit = Math.min(Math.max(1, f.limit ?? 100), MAX_LIST);
    const order = f.afterId !== undefined ? 'ASC' : 'DESC';
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${order} LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEntry);
  }

  /** Everyone who appears as an actor, for the admin page's filter. */
  actors(): string[] {
    return (this.db.prepare('SELECT DISTINCT actor FROM audit_log ORDER BY actor').all() as Array<{ actor: string }>).map((r) => r.actor);
  }

  /** The stored rows as they are hashed, oldest first: what shipping and verification read. */
  chained(afterId = 0, limit = MAX_LIST): Array<Row> {
    return this.db.prepare('SELECT id, at, actor, action, target, detail, origin, outcome, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[];
  }

  /** Recomputes the whole chain from where retention last cut it. */
  verify(): ChainReport {
    const rows = this.db.prepare('SELECT id, at, actor, action, target, detail, origin, outcome, hash FROM audit_log ORDER BY id').iterate() as Iterable<Row>;
    return verifyChain(rows, this.start());
  }

  /**
   * Removes entries older than `before` (epoch ms), never past `throughId` (at
   * the post: what the hub already holds). The cut is recorded with the hash
   * it leaves, so the chain still verifies from there.
   */
  prune(before: number, throughId = Number.MAX_SAFE_INTEGER): number {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT id, hash FROM audit_log WHERE at < ? AND id <= ? ORDER BY id DESC LIMIT 1').get(before, throughId) as { id: number; hash: string | null } | undefined;
      if (!last) return 0;
      this.db.prepare('INSERT INTO audit_retention (through_id, hash, at) VALUES (?, ?, ?)').run(last.id, last.hash ?? GENESIS, this.clock.now());
      return this.db.prepare('DELETE FROM audit_log WHERE id <= ?').run(last.id).changes;
    }).immediate();
  }

  private start(): ChainStart {
    const cut = this.db.prepare('SELECT through_id, hash FROM audit_retention ORDER BY through_id DESC LIMIT 1').get() as { through_id: number; hash: string } | undefined;
    return cut ? { afterId: cut.through_id, hash: cut.hash } : { afterId: 0, hash: GENESIS };
  }
}

function toEntry(r: Row): StoredAuditEntry {
  const e: StoredAuditEntry = { id: r.id, at: r.at, actor: r.actor, action: r.action, outcome: r.outcome as AuditOutcome };
  if (r.target !== null) e.target = r.target;
  if (r.detail !== null) e.detail = JSON.parse(r.detail) as Record<string, unknown>;
  if (r.origin !== null) e.from = r.origin;
  return e;
}
