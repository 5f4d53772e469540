/**
 * Who is asking: a nurse by session cookie, or the box's own command line by
 * bearer token. Anyone else gets 401 JSON under /api/ (a program is asking)
 * or is sent to the sign-in page (a person is).
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from '../../lib/logger.js';
import type { AuditLog } from '../../lib/auth/audit-log.js';
import type { SignInLimiter } from '../../lib/auth/login-limiter.js';
import { authError, notSignedIn, principalFromSession, type SignInParts, type SignInStore } from '../../lib/auth/sign-in.js';
import type { ApiToken } from './api-token.js';
import type { Nurse } from './nurse.js';
import type { NurseAccounts } from './nurse-accounts.js';
import type { SessionStore } from './sessions.js';

export { SESSION_COOKIE } from '../../lib/auth/sign-in.js';
export const LOCAL_CLI: Readonly<Nurse> = Object.freeze({ id: 'local-cli', username: 'local-cli', displayName: 'local-cli', role: 'admin' });

/** The clinical data's lock (node/vault): a nurse's password opens it, and a session is worth nothing while it is shut. */
export type DataLock = { isOpen(): boolean; admit(nurseId: string, secret: string): Promise<boolean> };

export type AuthParts = { accounts: NurseAccounts; sessions: SessionStore; audit: AuditLog; apiToken: ApiToken; limiter: SignInLimiter; lock?: DataLock };

/** The post's accounts as the shared sign-in flow sees them. */
export function nurseSignIn(accounts: NurseAccounts, lock?: DataLock): SignInStore<Nurse> {
  return {
    verify: async (u, s) => {
      const r = await accounts.verify(u, s);
      if (!r.ok) return r;
      // Her password is right, but it opens no slot (re-keyed from the command line since): she cannot see the data.
      if (lock && !(await lock.admit(r.nurse.id, s))) return { ok: false, reason: 'closed' };
      return { ok: true, principal: r.nurse };
    },
    knownUsername: (u) => accounts.byUsername(u)?.username,
    current: (id) => {
      // A session from before a restart: the data closed with the process, so she signs in again to open it.
      if (lock && !lock.isOpen()) return null;
      const a = accounts.get(id);
      return a && !a.disabled ? { id: a.id, username: a.username, displayName: a.displayName, role: a.role } : null;
    },
  };
}

export function signInParts(auth: AuthParts): SignInParts<Nurse> {
  return { store: nurseSignIn(auth.accounts, auth.lock), sessions: auth.sessions, audit: auth.audit, limiter: auth.limiter };
}

/** The nurse a session cookie stands for, if the session is live and the account still enabled. */
export function nurseFromSession(auth: AuthParts, req: FastifyRequest): Nurse | null {
  return principalFromSession(signInParts(auth), req);
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

export function makeRequireNurse(auth: AuthParts, log: Logger): preHandlerAsyncHookHandler {
  const parts = signInParts(auth);
  return async function requireNurse(req, reply) {
    if (req.headers.authorization !== undefined) return bearer(auth, log, req, reply);
    const nurse = principalFromSession(parts, req);
    if (nurse) {
      req.nurse = nurse;
      return;
    }
    return notSignedIn(req, reply);
  };
}

/**
 * The token opens everything, so it is taken only from this box itself (the
 * engineer's SSH session): a copy that leaks onto the Wi-Fi is useless there.
 * Wrong tokens count against the address like failed sign-ins (and only
 * the address: a sign-in form flooded with the name "local-cli" must not
 * lock the engineer's command line out).
 */
async function bearer(auth: AuthParts, log: Logger, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  if (!isLoopback(req.ip)) {
    log.warn({ ip: req.ip, url: req.url }, 'bearer token from outside the box refused');
    return authError(reply, 'the API token is accepted only from the post box itself');
  }
  const verdict = auth.limiter.check(null, req.ip);
  if (!verdict.allowed) return authError(reply, `too many wrong tokens; wait ${Math.ceil(verdict.retryAfterMs / 60_000)} min`);
  const m = /^Bearer +([^\s]+) *$/i.exec(req.headers.authorization ?? '');
  const path = req.url.split('?')[0]!;
  if (!m || !auth.apiToken.matches(m[1])) {
    auth.limiter.failed(null, req.ip);
    auth.audit.record({ actor: LOCAL_CLI.username, action: 'cli.denied', detail: { method: req.method, path }, from: req.ip, outcome: 'refused' });
    return authError(reply, 'wrong API token');
  }
  // Each route records what it reads or changes (access-record.ts), as for a nurse: one entry per request, not two.
  req.nurse = { ...LOCAL_CLI };
}
