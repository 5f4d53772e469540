/**
 * Server-side sign-in sessions. The browser holds a random 256-bit token; the
 * database holds only its SHA-256, so a copy of post.sqlite (a backup, a
 * laptop sent for repair) cannot be replayed as a live session. A session
 * ends after idleMs without use (the laptop is shared: a nurse who walks away
 * is signed out) or absoluteMs after sign-in, whichever comes first.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { migrate, type Db } from '../../lib/sqlite.js';

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

const MIGRATIONS = [
  `CREATE TABLE nurse_sessions (
     token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
   CREATE INDEX nurse_sessions_account ON nurse_sessions (account_id)`,
];

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type Row = { account_id: string; created_at: number; last_seen_at: number };

export class SessionStore {
  readonly options: SessionOptions;

  constructor(private readonly db: Db, private readonly clock: Clock, opts: Partial<SessionOptions> = {}) {
    this.options = { ...DEFAULT_SESSIONS, ...opts };
    migrate(db, 'nurse-sessions', MIGRATIONS);
  }

  /** A new session; the token is returned once and never stored. */
  create(accountId: string): { token: string } {
    const now = this.clock.now();
    this.purgeExpired();
    const token = randomBytes(32).toString('base64url');
    this.db.prepare('INSERT INTO nurse_sessions (token_hash, account_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)').run(digest(token), accountId, now, now);
    return { token };
  }

  /** The live session for a token, refreshed; null (and forgotten) if it has expired. */
  validate(token: string | undefined): Session | null {
    if (!token || !TOKEN_RE.test(token)) return null;
    const hash = digest(token);
    const row = this.db.prepare('SELECT account_id, created_at, last_seen_at FROM nurse_sessions WHERE token_hash = ?').get(hash) as Row | undefined;
    if (!row) return null;
    const now = this.clock.now();
    if (this.expired(row, now)) {
      this.db.prepare('DELETE FROM nurse_sessions WHERE token_hash = ?').run(hash);
      return null;
    }
    let lastSeenAt = row.last_seen_at;
    if (now - lastSeenAt >= this.options.touchEveryMs) {
      this.db.prepare('UPDATE nurse_sessions SET last_seen_at = ? WHERE token_hash = ?').run(now, hash);
      lastSeenAt = now;
    }
    return { accountId: row.account_id, createdAt: row.created_at, lastSeenAt };
  }

  revoke(token: string | undefined): boolean {
    if (!token || !TOKEN_RE.test(token)) return false;
    return this.db.prepare('DELETE FROM nurse_sessions WHERE token_hash = ?').run(digest(token)).changes > 0;
  }

  /** Signs a nurse out everywhere: on disable or a new secret. */
  revokeAllFor(accountId: string): number {
    return this.db.prepare('DELETE FROM nurse_sessions WHERE account_id = ?').run(accountId).changes;
  }

  purgeExpired(): number {
    const now = this.clock.now();
    return this.db.prepare('DELETE FROM nurse_sessions WHERE last_seen_at <= ? OR created_at <= ?')
      .run(now - this.options.idleMs, now - this.options.absoluteMs).changes;
  }

  private expired(row: Row, now: number): boolean {
    return now - row.last_seen_at >= this.options.idleMs || now - row.created_at >= this.options.absoluteMs;
  }
}
