/**
 * The sign-in flow both apps share: GET/POST /entrar, POST /salir, the
 * session cookie, and what an unauthenticated request gets (a person is sent
 * to /entrar, a program under /api/ gets 401 JSON). Each app brings its own
 * accounts (through SignInStore) and its own sign-in page.
 *
 * Forms are protected from cross-origin posting by lib/web/cross-site.ts
 * (SameSite=Lax alone let a form on the same host at another port post as
 * the signed-in person: that is the same site).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Principal } from './accounts.js';
import type { AuditSink } from './audit-log.js';
import type { LimiterVerdict } from './login-limiter.js';
import type { SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'chasqui_sesion';

/** What the sign-in page shows. */
export type LoginView = {
  volver: string;
  username?: string;
  /** Shown next to the secret field. */
  error?: string;
  flash?: { kind: 'ok' | 'error'; text: string };
  /** After "Salir": the page also clears the drafts this browser kept (a shared laptop or phone). */
  signedOut?: boolean;
};

export type RenderLogin = (req: FastifyRequest, reply: FastifyReply, v: LoginView, status?: number) => FastifyReply;

/** An app's accounts as the sign-in flow needs them. */
export interface SignInStore<P extends Principal> {
  verify(username: string, secret: string): Promise<{ ok: true; principal: P } | { ok: false; reason: string }>;
  /** The stored username if the name is an account (for the audit log), else undefined. */
  knownUsername(username: string): string | undefined;
  /** Who an id stands for now, or null if the account is gone or disabled. */
  current(id: string): P | null;
}

/** What the sign-in asks of its limiter (lib/auth/login-limiter.ts SignInLimiter). */
export interface SignInLimit {
  check(username: string | null, ip: string): LimiterVerdict;
  failed(username: string | null, ip: string): void;
  succeeded(username: string, ip?: string): void;
}

export type SignInParts<P extends Principal> = { store: SignInStore<P>; sessions: SessionStore; audit: AuditSink; limiter: SignInLimit };

/** The principal a session cookie stands for, if the session is live and the account still enabled. */
export function principalFromSession<P extends Principal>(parts: SignInParts<P>, req: FastifyRequest): P | null {
  const token = req.cookies[SESSION_COOKIE];
  const session = parts.sessions.validate(token);
  if (!session) return null;
  const who = parts.store.current(session.accountId);
  if (!who) parts.sessions.revoke(token);
  return who;
}

export function authError(reply: FastifyReply, message: string): FastifyReply {
  return reply.status(401).header('cache-control', 'no-store').send({ error: { code: 'CHASQUI_ERR_AUTH', message: `${ERRORS.CHASQUI_ERR_AUTH}: ${message}` } });
}

/** No live session: a program under /api/ is told 401, a person is sent to sign in and brought back. */
export function notSignedIn(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const stale = req.cookies[SESSION_COOKIE] !== undefined;
  if (stale) void reply.clearCookie(SESSION_COOKIE, { path: '/' });
  if (req.url.startsWith('/api/')) return authError(reply, stale ? 'the session has ended; sign in again' : 'sign in first');
  const q = new URLSearchParams({ volver: returnPath(req) });
  if (stale) q.set('vencio', '1');
  return reply.redirect(`/entrar?${q}`, 303);
}

/**
 * Where to bring a person back after signing in: the page asked for, or, for
 * a form posted when the session had ended (its URL is an action such as
 * /casos/:id/fotos, not a page), the page the form was on, from a Referer
 * of this same host only.
 */
export function returnPath(req: FastifyRequest): string {
  if (req.method === 'GET' || req.method === 'HEAD') return req.url;
  try {
    const from = new URL(req.headers.referer ?? '');
    // "?ok=saved" said what the last action did; it would be false after the sign-in.
    from.searchParams.delete('ok');
    if (from.host === req.headers.host && (from.protocol === 'http:' || from.protocol === 'https:')) return localPath(from.pathname + from.search);
  } catch {
    // No Referer, or not a URL: the action's own path.
  }
  return req.url;
}

/**
 * A normalised path (URL.pathname) that a browser would read as another host:
 * `/.//evil` and `/..//evil` normalise to `//evil`, a protocol-relative URL.
 * Anything starting with `//` or `/\` goes to `/` (an encoded slash in the path too).
 */
export function sameAppPath(pathname: string, search = ''): string {
  if (!pathname.startsWith('/') || pathname.startsWith('//') || pathname.startsWith('/\\') || /[\\\s]/.test(pathname)) return '/';
  return pathname + search;
}

/** Only a path on this app: `volver=https://evil` or `//evil` must not become an open redirect. */
export function localPath(v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v) || /%2f|%5c/i.test(v.split('?')[0]!)) return '/';
  try {
    const u = new URL(v, 'http://app.invalid');
    if (u.host !== 'app.invalid' || u.pathname === '/entrar' || u.pathname === '/salir') return '/';
    return sameAppPath(u.pathname, u.search);
  } catch {
    return '/';
  }
}

function field(body: unknown, name: string, max: number): string {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

export type SignInRoutesOpts<P extends Principal> = { parts: SignInParts<P>; log: Logger; cookieSecure: boolean; render: RenderLogin };

/** Registers /entrar and /salir on app (call it inside the app's auth plugin, after the shell that sets req.t). */
export function signInRoutes<P extends Principal>(app: FastifyInstance, { parts, log, cookieSecure, render }: SignInRoutesOpts<P>): void {
  app.get<{ Querystring: Record<string, string> }>('/entrar', async (req, reply) => {
    const volver = localPath(req.query.volver);
    if (principalFromSession(parts, req)) return reply.redirect(volver, 303);
    const flash = req.query.salio ? { kind: 'ok' as const, text: req.t('auth.signedOut') } : req.query.vencio ? { kind: 'error' as const, text: req.t('auth.expired') } : undefined;
    return render(req, reply, { volver, flash, ...(req.query.salio ? { signedOut: true } : {}) });
  });

  app.post('/entrar', async (req, reply) => {
    const username = field(req.body, 'username', 64).trim();
    const secret = field(req.body, 'secret', 1024);
    const volver = localPath(field(req.body, 'volver', 2048));
    if (!username || !secret) return render(req, reply, { volver, username, error: req.t('auth.error.missing') });
    // Before any hashing: a refused attempt costs no CPU and cannot confirm a guess.
    const verdict = parts.limiter.check(username, req.ip);
    if (!verdict.allowed) {
      log.warn({ ip: req.ip }, 'sign-in refused by the limiter');
      const minutes = Math.ceil(verdict.retryAfterMs / 60_000);
      const error = req.t(minutes === 1 ? 'auth.error.lockedOne' : 'auth.error.locked', { minutes });
      return render(req, reply.header('retry-after', String(Math.ceil(verdict.retryAfterMs / 1000))), { volver, username, error }, 429);
    }
    const result = await parts.store.verify(username, secret);
    if (!result.ok) return failed(req, reply, { username, volver, reason: result.reason });
    parts.limiter.succeeded(username, req.ip);
    parts.sessions.revoke(req.cookies[SESSION_COOKIE]); // a fresh token at every sign-in: no session fixation
    const { token } = parts.sessions.create(result.principal.id);
    parts.audit.record({ actor: result.principal.username, action: 'session.signIn', detail: { ip: req.ip } });
    // No Max-Age: the cookie ends with the browser; idle and absolute limits are the server's, whatever the browser keeps.
    void reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookieSecure });
    return reply.redirect(volver, 303);
  });

  function failed(req: FastifyRequest, reply: FastifyReply, o: { username: string; volver: string; reason: string }): FastifyReply {
    // 'closed': the right password for an account whose key slot is gone (the post's vault); not a guess.
    if (o.reason !== 'closed') parts.limiter.failed(o.username, req.ip);
    // The attempted name is kept only if it is an account: a password typed into the username box must not be stored.
    const target = o.reason !== 'unknown' ? parts.store.knownUsername(o.username) : undefined;
    parts.audit.record({ actor: 'anonymous', action: 'session.signInFailed', target, detail: { ip: req.ip, reason: o.reason } });
    return render(req, reply, { volver: o.volver, username: o.username, error: req.t(o.reason === 'closed' ? 'auth.error.closed' : 'auth.error.wrong') });
  }

  app.post('/salir', async (req, reply) => {
    const who = principalFromSession(parts, req);
    parts.sessions.revoke(req.cookies[SESSION_COOKIE]);
    if (who) parts.audit.record({ actor: who.username, action: 'session.signOut' });
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/entrar?salio=1', 303);
  });
}

/** A SignInStore over a shared Accounts store; toPrincipal picks what a request carries (the hub adds specialties). */
export function accountsSignIn<A extends Principal & { disabled: boolean }, P extends Principal>(accounts: {
  verify(u: string, s: string): Promise<{ ok: true; account: A } | { ok: false; reason: string }>;
  byUsername(u: string): A | undefined;
  get(id: string): A | undefined;
}, toPrincipal: (a: A) => P): SignInStore<P> {
  return {
    verify: async (u, s) => {
      const r = await accounts.verify(u, s);
      return r.ok ? { ok: true, principal: toPrincipal(r.account) } : r;
    },
    knownUsername: (u) => safe(() => accounts.byUsername(u)?.username),
    current: (id) => {
      const a = accounts.get(id);
      return a && !a.disabled ? toPrincipal(a) : null;
    },
  };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
