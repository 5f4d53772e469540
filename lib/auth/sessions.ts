/**
 * Server-side sign-in sessions. The browser holds a random 256-bit token; the
 * database holds only its SHA-256, so a copy of post.sqlite or hub.sqlite (a
 * backup, a laptop sent for repair) cannot be replayed as a live session. A
 * session ends after idleMs without use (computers are shared: whoever walks
 * away is signed out) or absoluteMs after sign-in, whichever comes first.
 * Each app names its table; the post keeps its 'nurse_sessions'.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { migrate, type Db } from '../sqlite.js';

export type SessionOptions = {
  idleMs: number;
  absoluteMs: number;
  /**
   * Sliding refresh writes last_seen at most this often: every write is an
   * fsync (synchronous=FULL), and a page load makes several requests. The
   * cost is that a session may end up to this much before idleMs.
   */
  touchEveryMs: number;
};

export const DEFAULT_SESSIONS: SessionOptions = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, touchEveryMs: 60_000 };

export type Session = { accountId: string; createdAt: number; lastSeenAt: number };

/** Where an app keeps its sessions: the table and its migration name in schema_versions. */
export type SessionTable = { table: string; schema: string };

function migrations(table: string): string[] {
  if (!/^[a-z][a-z_]*$/.test(table)) throw new Error(`"${table}" cannot name a sessions table`);
  return [
    `CREATE TABLE ${table} (
     token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
   CREATE INDEX ${table}_account ON ${table} (account_id)`,
  ];
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type Row = { account_id: string; created_at: number; last_seen_at: number };

export class SessionStore {
  readonly options: SessionOptions;

  private readonly table: string;

  constructor(private readonly db: Db, private readonly clock: Clock, where: SessionTable, opts: Partial<SessionOptions> = {}) {
    this.options = { ...DEFAULT_SESSIONS, ...opts };
    this.table = where.table;
    migrate(db, where.schema, migrations(where.table));
  }

  /** A new session; the token is returned once and never stored. */
  create(accountId: string): { token: string } {
    const now = this.clock.now();
    this.purgeExpired();
    const token = randomBytes(32).toString('base64url');
    this.db.prepare(`INSERT INTO ${this.table} (token_hash, account_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)`).run(digest(token), accountId, now, now);
    return { token };
  }

  /** The live session for a token, refreshed; null (and forgotten) if it has expired. */
  validate(token: string | undefined): Session | null {
    if (!token || !TOKEN_RE.test(token)) return null;
    const hash = digest(token);
    const row = this.db.prepare(`SELECT account_id, created_at, last_seen_at FROM ${this.table} WHERE token_hash = ?`).get(hash) as Row | undefined;
    if (!row) return null;
    const now = this.clock.now();
    if (this.expired(row, now)) {
      this.db.prepare(`DELETE FROM ${this.table} WHERE token_hash = ?`).run(hash);
      return null;
    }
    let lastSeenAt = row.last_seen_at;
    if (now - lastSeenAt >= this.options.touchEveryMs) {
      this.db.prepare(`UPDATE ${this.table} SET last_seen_at = ? WHERE token_hash = ?`).run(now, hash);
      lastSeenAt = now;
    }
    return { accountId: row.account_id, createdAt: row.created_at, lastSeenAt };
  }

  revoke(token: string | undefined): boolean {
    if (!token || !TOKEN_RE.test(token)) return false;
    return this.db.prepare(`DELETE FROM ${this.table} WHERE token_hash = ?`).run(digest(token)).changes > 0;
  }

  /** Signs an account out everywhere: on disable or a new secret. */
  revokeAllFor(accountId: string): number {
    return this.db.prepare(`DELETE FROM ${this.table} WHERE account_id = ?`).run(accountId).changes;
  }

  purgeExpired(): number {
    const now = this.clock.now();
    return this.db.prepare(`DELETE FROM ${this.table} WHERE last_seen_at <= ? OR created_at <= ?`)
      .run(now - this.options.idleMs, now - this.options.absoluteMs).changes;
  }

  private expired(row: Row, now: number): boolean {
    return now - row.last_seen_at >= this.options.idleMs || now - row.created_at >= this.options.absoluteMs;
  }
}
