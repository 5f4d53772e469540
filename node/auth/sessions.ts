/**
 * The post's sign-in sessions: lib/auth/sessions.ts on the table the post has
 * always used, so sessions already open on a post survive the upgrade.
 */
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/sqlite.js';
import { SessionStore as SharedSessionStore, type SessionOptions, type SessionTable } from '../../lib/auth/sessions.js';

export { DEFAULT_SESSIONS, type Session, type SessionOptions } from '../../lib/auth/sessions.js';

export const NURSE_SESSIONS: SessionTable = { table: 'nurse_sessions', schema: 'nurse-sessions' };

export class SessionStore extends SharedSessionStore {
  constructor(db: Db, clock: Clock, opts: Partial<SessionOptions> = {}) {
    super(db, clock, NURSE_SESSIONS, opts);
  }
}
