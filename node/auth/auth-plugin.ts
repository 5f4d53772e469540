/**
 * Sign-in for the nurse app: accounts, sessions, the sign-in limiter, the
 * audit log and the local API token, wired into fastify. registerAuth
 * decorates the root instance at once (so routes declared right after it can
 * name `app.requireNurse` as their preHandler) and registers the sign-in
 * pages as a fastify-plugin after the app shell (node/app/app-plugin.ts).
 *
 * Forms are protected from cross-site posting by the cookie's SameSite=Lax:
 * a browser does not send it on a POST started by another site.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Db } from '../../lib/sqlite.js';
import { renderAuditPage } from '../app/pages/audit-page.js';
import { renderLoginPage } from '../app/pages/login-page.js';
import { ApiToken } from './api-token.js';
import { AuditLog } from './audit-log.js';
import { LoginLimiter, type LimiterOptions } from './login-limiter.js';
import { NurseAccounts, type ScryptParams } from './nurse-accounts.js';
import { makeRequireNurse, nurseFromSession, SESSION_COOKIE, type AuthParts } from './require-nurse.js';
import { SessionStore, type SessionOptions } from './sessions.js';

export type AuthDeps = {
  db: Db; clock: Clock; dataDir: string; logger: Logger;
  /** Add Secure to the cookie; only when the post is served over HTTPS. */
  cookieSecure?: boolean;
  scrypt?: ScryptParams; sessions?: Partial<SessionOptions>; limiter?: Partial<LimiterOptions>;
};

export type Auth = AuthParts;

export function registerAuth(app: FastifyInstance, deps: AuthDeps): Auth {
  const log = deps.logger.child({ mod: 'auth' });
  const auth: Auth = {
    accounts: new NurseAccounts(deps.db, deps.clock, { scrypt: deps.scrypt }),
    sessions: new SessionStore(deps.db, deps.clock, deps.sessions),
    audit: new AuditLog(deps.db, deps.clock),
    apiToken: ApiToken.loadOrCreate(deps.dataDir),
    limiter: new LoginLimiter(deps.clock, deps.limiter),
  };
  app.decorate('audit', auth.audit);
  app.decorate('requireNurse', makeRequireNurse(auth, log));
  void app.register(authPages, { auth, log, cookieSecure: deps.cookieSecure ?? false });
  return auth;
}

type PagesOpts = { auth: Auth; log: Logger; cookieSecure: boolean };

/** Only a path on this app: `volver=https://evil` or `//evil` must not become an open redirect. */
export function localPath(v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v)) return '/';
  try {
    const u = new URL(v, 'http://post.invalid');
    if (u.host !== 'post.invalid' || u.pathname === '/entrar' || u.pathname === '/salir') return '/';
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function field(body: unknown, name: string, max: number): string {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

async function pages(app: FastifyInstance, { auth, log, cookieSecure }: PagesOpts): Promise<void> {
  app.get<{ Querystring: Record<string, string> }>('/entrar', async (req, reply) => {
    const volver = localPath(req.query.volver);
    if (nurseFromSession(auth, req)) return reply.redirect(volver, 303);
    const flash = req.query.salio ? { kind: 'ok' as const, text: req.t('auth.signedOut') } : req.query.vencio ? { kind: 'error' as const, text: req.t('auth.expired') } : undefined;
    return renderLoginPage(req, reply, { volver, flash });
  });

  app.post('/entrar', async (req, reply) => {
    const username = field(req.body, 'username', 64).trim();
    const secret = field(req.body, 'secret', 1024);
    const volver = localPath(field(req.body, 'volver', 2048));
    if (!username || !secret) return renderLoginPage(req, reply, { volver, username, error: req.t('auth.error.missing') });
    // Before any hashing: a refused attempt costs no CPU and cannot confirm a guess.
    const verdict = auth.limiter.check(username, req.ip);
    if (!verdict.allowed) {
      log.warn({ ip: req.ip }, 'sign-in refused by the limiter');
      const minutes = Math.ceil(verdict.retryAfterMs / 60_000);
      const error = req.t(minutes === 1 ? 'auth.error.lockedOne' : 'auth.error.locked', { minutes });
      return renderLoginPage(req, reply.header('retry-after', String(Math.ceil(verdict.retryAfterMs / 1000))), { volver, username, error }, 429);
    }
    const result = await auth.accounts.verify(username, secret);
    if (!result.ok) return failed(req, reply, { username, volver, reason: result.reason });
    auth.limiter.succeeded(username);
    auth.sessions.revoke(req.cookies[SESSION_COOKIE]); // a fresh token at every sign-in: no session fixation
    const { token } = auth.sessions.create(result.nurse.id);
    auth.audit.record({ actor: result.nurse.username, action: 'session.signIn', detail: { ip: req.ip } });
    // No Max-Age: the cookie ends with the browser; idle and absolute limits are the server's, whatever the browser keeps.
    void reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookieSecure });
    return reply.redirect(volver, 303);
  });

  function failed(req: FastifyRequest, reply: FastifyReply, o: { username: string; volver: string; reason: string }): FastifyReply {
    auth.limiter.failed(o.username, req.ip);
    // The attempted name is kept only if it is an account: a password typed into the username box must not be stored.
    const known = o.reason !== 'unknown';
    const target = known ? auth.accounts.byUsername(o.username)?.username : undefined;
    auth.audit.record({ actor: 'anonymous', action: 'session.signInFailed', target, detail: { ip: req.ip, reason: o.reason } });
    return renderLoginPage(req, reply, { volver: o.volver, username: o.username, error: req.t('auth.error.wrong') });
  }

  app.post('/salir', async (req, reply) => {
    const nurse = nurseFromSession(auth, req);
    auth.sessions.revoke(req.cookies[SESSION_COOKIE]);
    if (nurse) auth.audit.record({ actor: nurse.username, action: 'session.signOut' });
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/entrar?salio=1', 303);
  });

  app.get<{ Querystring: Record<string, string> }>('/auditoria', { preHandler: app.requireNurse }, async (req, reply) => {
    const nurse = req.nurse!;
    if (nurse.role !== 'admin') return renderAuditPage(req, reply, { forbidden: true });
    const filter = { actor: (req.query.usuario ?? '').trim(), target: (req.query.objetivo ?? '').trim(), beforeId: Number(req.query.antes) || undefined, limit: 100 };
    const filtered = filter.actor || filter.target ? { detail: { actor: filter.actor || undefined, target: filter.target || undefined } } : {};
    auth.audit.record({ actor: nurse.username, action: 'audit.view', ...filtered });
    const entries = auth.audit.list(filter);
    return renderAuditPage(req, reply, { entries, actors: auth.audit.actors(), filter, more: entries.length === filter.limit });
  });
}

const authPages = fp(pages, { name: 'chasqui-auth', dependencies: ['chasqui-nurse-app'] });
