/**
 * Sign-in at the hub, with the same rules as the post (lib/auth/): scrypt
 * hashes, sessions that end after 30 min idle or 12 h, the sign-in limiter,
 * and the access log Law 29733 asks for. registerHubAuth decorates the root
 * instance at once (so routes declared right after it can use
 * `app.requireUser(...)`) and registers the sign-in, sign-out, home and
 * access-log routes as a fastify-plugin after the hub shell (hub/app/app-plugin.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Db } from '../../lib/sqlite.js';
import { AuditLog } from '../../lib/auth/audit-log.js';
import { SignInLimiter, type SignInLimiterOptions } from '../../lib/auth/login-limiter.js';
import type { ScryptParams } from '../../lib/auth/secret-hash.js';
import { SessionStore, type SessionOptions } from '../../lib/auth/sessions.js';
import { accountsSignIn, notSignedIn, principalFromSession, signInRoutes, type SignInParts } from '../../lib/auth/sign-in.js';
import { auditRoute } from '../../lib/web/audit-page.js';
import { sendForbidden, sendPage } from '../app/layout.js';
import { renderLoginPage } from '../app/pages/login-page.js';
import { HUB_AREAS, landingPath, mayOpen } from './hub-access.js';
import { HUB_SESSIONS, hubUserOf, openHubAccounts, type HubAccounts, type HubRole, type HubUser } from './hub-accounts.js';

export type HubAuthDeps = {
  db: Db; clock: Clock; logger: Logger;
  /** Add Secure to the cookie; only when the hub is served over HTTPS. */
  cookieSecure?: boolean;
  scrypt?: ScryptParams; sessions?: Partial<SessionOptions>; limiter?: Partial<SignInLimiterOptions>;
};

export type HubAuth = { accounts: HubAccounts; sessions: SessionStore; audit: AuditLog; limiter: SignInLimiter };

export function registerHubAuth(app: FastifyInstance, deps: HubAuthDeps): HubAuth {
  const log = deps.logger.child({ mod: 'hub-auth' });
  const auth: HubAuth = {
    accounts: openHubAccounts(deps.db, deps.clock, { scrypt: deps.scrypt }),
    sessions: new SessionStore(deps.db, deps.clock, HUB_SESSIONS, deps.sessions),
    audit: new AuditLog(deps.db, deps.clock),
    limiter: new SignInLimiter(deps.clock, deps.limiter),
  };
  const parts: SignInParts<HubUser> = { store: accountsSignIn(auth.accounts, hubUserOf), sessions: auth.sessions, audit: auth.audit, limiter: auth.limiter };
  app.decorate('audit', auth.audit);
  app.decorate('requireUser', (roles?: readonly HubRole[]) => makeRequireUser(parts, roles));
  void app.register(hubAuthPages, { parts, audit: auth.audit, log, cookieSecure: deps.cookieSecure ?? false });
  return auth;
}

function makeRequireUser(parts: SignInParts<HubUser>, roles: readonly HubRole[] | undefined): preHandlerAsyncHookHandler {
  return async function requireUser(req, reply) {
    const user = principalFromSession(parts, req);
    if (!user) {
      // An API call without a session is an attempt on patient data too; a page only sends the person to sign in.
      if (req.url.startsWith('/api/')) parts.audit.record({ actor: 'anonymous', action: 'access.denied', detail: { method: req.method, path: req.url.split('?')[0]!, reason: 'signedOut' }, from: req.ip, outcome: 'refused' });
      return notSignedIn(req, reply);
    }
    req.user = user;
    if (roles && !roles.includes(user.role)) return forbidden(parts, req, reply, user);
  };
}

/** Recorded: an attempt to reach what a role may not is what an access review looks for. The path only; a query may name a patient. */
function forbidden(parts: SignInParts<HubUser>, req: FastifyRequest, reply: FastifyReply, user: HubUser): FastifyReply {
  const path = req.url.split('?')[0]!;
  parts.audit.record({ actor: user.username, action: 'access.denied', detail: { method: req.method, path, role: user.role, reason: 'role' }, from: req.ip, outcome: 'refused' });
  if (!req.url.startsWith('/api/')) return sendForbidden(req, reply);
  // The catalogue's text for this code speaks of the broker; this one says what was refused here.
  const message = `Not allowed: the role ${user.role} may not open ${path}`;
  return reply.status(403).header('cache-control', 'no-store').send({ error: { code: 'CHASQUI_ERR_NOT_AUTHORIZED', message } });
}

type PagesOpts = { parts: SignInParts<HubUser>; audit: AuditLog; log: Logger; cookieSecure: boolean };

async function pages(app: FastifyInstance, { parts, audit, log, cookieSecure }: PagesOpts): Promise<void> {
  signInRoutes(app, { parts, log, cookieSecure, render: renderLoginPage });
  app.get('/', { preHandler: app.requireUser() }, async (req, reply) => reply.redirect(landingPath(req.user!.role), 303));
  auditRoute(app, { audit, preHandler: app.requireUser(HUB_AREAS.audit), who: (req) => req.user!, mayRead: (who) => mayOpen(who.role as HubRole, 'audit'), sendPage });
}

const hubAuthPages = fp(pages, { name: 'chasqui-hub-auth', dependencies: ['chasqui-hub-app'] });
