/**
 * Who is asking: a nurse by session cookie, or the box's own command line by
 * bearer token. Anyone else gets 401 JSON under /api/ (a program is asking)
 * or is sent to the sign-in page (a person is).
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ERRORS } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ApiToken } from './api-token.js';
import type { AuditLog } from './audit-log.js';
import type { LoginLimiter } from './login-limiter.js';
import type { Nurse } from './nurse.js';
import type { NurseAccounts } from './nurse-accounts.js';
import type { SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'chasqui_sesion';
export const LOCAL_CLI: Readonly<Nurse> = Object.freeze({ id: 'local-cli', username: 'local-cli', displayName: 'local-cli', role: 'admin' });

export type AuthParts = { accounts: NurseAccounts; sessions: SessionStore; audit: AuditLog; apiToken: ApiToken; limiter: LoginLimiter };

/** The nurse a session cookie stands for, if the session is live and the account still enabled. */
export function nurseFromSession(auth: AuthParts, req: FastifyRequest): Nurse | null {
  const token = req.cookies[SESSION_COOKIE];
  const session = auth.sessions.validate(token);
  if (!session) return null;
  const account = auth.accounts.get(session.accountId);
  if (!account || account.disabled) {
    auth.sessions.revoke(token);
    return null;
  }
  return { id: account.id, username: account.username, displayName: account.displayName, role: account.role };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

function authError(reply: FastifyReply, message: string): FastifyReply {
  return reply.status(401).header('cache-control', 'no-store').send({ error: { code: 'CHASQUI_ERR_AUTH', message: `${ERRORS.CHASQUI_ERR_AUTH}: ${message}` } });
}

export function makeRequireNurse(auth: AuthParts, log: Logger): preHandlerAsyncHookHandler {
  return async function requireNurse(req, reply) {
    if (req.headers.authorization !== undefined) return bearer(auth, log, req, reply);
    const nurse = nurseFromSession(auth, req);
    if (nurse) {
      req.nurse = nurse;
      return;
    }
    const stale = req.cookies[SESSION_COOKIE] !== undefined;
    if (stale) void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (req.url.startsWith('/api/')) return authError(reply, stale ? 'the session has ended; sign in again' : 'sign in first');
    const q = new URLSearchParams({ volver: req.url });
    if (stale) q.set('vencio', '1');
    return reply.redirect(`/entrar?${q}`, 303);
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
    auth.audit.record({ actor: LOCAL_CLI.username, action: 'cli.denied', detail: { method: req.method, path, ip: req.ip } });
    return authError(reply, 'wrong API token');
  }
  req.nurse = { ...LOCAL_CLI };
  // The path, never the query string: a search may carry a patient's name.
  auth.audit.record({ actor: LOCAL_CLI.username, action: 'cli.access', detail: { method: req.method, path } });
}
