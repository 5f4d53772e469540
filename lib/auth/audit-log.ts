/**
 * The access log Law 29733 (Peru's personal-data law) and its regulation
 * (D.S. 003-2013-JUS, security measures) ask of whoever keeps health data:
 * who did or saw what, and when. Append-only: SQLite triggers refuse UPDATE
 * and DELETE, so the app cannot quietly rewrite history. Secrets never enter
 * it: detail keys that look like one are replaced before storing.
 */
import type { Clock } from '../../lib/clock.js';
import { fromStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';

/** One line of the access log Law 29733 asks for: who did or saw what, when. */
export interface AuditEntry {
  /** The account's username, or a reserved actor: 'local-cli' (the box's own command line), 'anonymous'. */
  actor: string;
  /** Dotted verb: 'patient.create', 'patient.view', 'case.send', 'message.read', 'session.signIn'... */
  action: string;
  /** What it was done to: a patient id, case id, message id. */
  target?: string;
  detail?: Record<string, unknown>;
}

/** The actor name for the box's own command line (a field engineer over SSH); never a username (secret-policy.ts reserves it). */
export const LOCAL_CLI_ACTOR = 'local-cli';

export interface AuditSink {
  record(entry: AuditEntry): void;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  at: number;
}

export type AuditFilter = { actor?: string; target?: string; action?: string; beforeId?: number; limit?: number };

const MIGRATIONS = [
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     target TEXT, detail TEXT);
   CREATE INDEX audit_log_actor ON audit_log (actor, id);
   CREATE INDEX audit_log_target ON audit_log (target, id);
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
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

type Row = { id: number; at: number; actor: string; action: string; target: string | null; detail: string | null };

export class AuditLog implements AuditSink {
  constructor(private readonly db: Db, private readonly clock: Clock) {
    migrate(db, 'audit-log', MIGRATIONS);
  }

  /** Synchronous on purpose: the entry is on disk before the handler answers; a full disk fails the request. */
  record(entry: AuditEntry): void {
    const detail = entry.detail === undefined ? null : JSON.stringify(scrub(entry.detail));
    try {
      this.db.prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
        .run(this.clock.now(), entry.actor, entry.action, entry.target ?? null, detail);
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  /** Newest first. Page on with beforeId = the last id shown. */
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
    add('id < ?', f.beforeId);
    const limit = Math.min(Math.max(1, f.limit ?? 100), MAX_LIST);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEntry);
  }

  /** Everyone who appears as an actor, for the admin page's filter. */
  actors(): string[] {
    return (this.db.prepare('SELECT DISTINCT actor FROM audit_log ORDER BY actor').all() as Array<{ actor: string }>).map((r) => r.actor);
  }
}

function toEntry(r: Row): StoredAuditEntry {
  const e: StoredAuditEntry = { id: r.id, at: r.at, actor: r.actor, action: r.action };
  if (r.target !== null) e.target = r.target;
  if (r.detail !== null) e.detail = JSON.parse(r.detail) as Record<string, unknown>;
  return e;
}
