/**
 * Sign-in for the nurse app: accounts, sessions, the sign-in limiter, the
 * audit log and the local API token, wired into fastify. registerAuth
 * decorates the root instance at once (so routes declared right after it can
 * name `app.requireNurse` as their preHandler) and registers the sign-in
 * pages as a fastify-plugin after the app shell (node/app/app-plugin.ts).
 * The sign-in flow itself is shared with the hub (lib/auth/sign-in.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Db } from '../../lib/sqlite.js';
import { auditRoute } from '../../lib/web/audit-page.js';
import { sendPage } from '../app/layout.js';
import { renderLoginPage } from '../app/pages/login-page.js';
import { AuditLog } from '../../lib/auth/audit-log.js';
import { SignInLimiter, type SignInLimiterOptions } from '../../lib/auth/login-limiter.js';
import { signInRoutes } from '../../lib/auth/sign-in.js';
import { ApiToken } from './api-token.js';
import { NurseAccounts, type ScryptParams } from './nurse-accounts.js';
import { makeRequireNurse, signInParts, type AuthParts, type DataLock } from './require-nurse.js';
import { SessionStore, type SessionOptions } from './sessions.js';

export type AuthDeps = {
  db: Db; clock: Clock; dataDir: string; logger: Logger;
  /** Add Secure to the cookie; only when the post is served over HTTPS. */
  cookieSecure?: boolean;
  scrypt?: ScryptParams; sessions?: Partial<SessionOptions>; limiter?: Partial<SignInLimiterOptions>;
  /** The post's vault: each sign-in opens it, and sessions are void while it is shut. */
  lock?: DataLock;
};

export type Auth = AuthParts;

export { localPath } from '../../lib/auth/sign-in.js';

export function registerAuth(app: FastifyInstance, deps: AuthDeps): Auth {
  const log = deps.logger.child({ mod: 'auth' });
  const auth: Auth = {
    accounts: new NurseAccounts(deps.db, deps.clock, { scrypt: deps.scrypt }),
    sessions: new SessionStore(deps.db, deps.clock, deps.sessions),
    audit: new AuditLog(deps.db, deps.clock),
    apiToken: ApiToken.loadOrCreate(deps.dataDir),
    limiter: new SignInLimiter(deps.clock, deps.limiter),
    lock: deps.lock,
  };
  app.decorate('audit', auth.audit);
  app.decorate('requireNurse', makeRequireNurse(auth, log));
  void app.register(authPages, { auth, log, cookieSecure: deps.cookieSecure ?? false });
  return auth;
}

type PagesOpts = { auth: Auth; log: Logger; cookieSecure: boolean };

async function pages(app: FastifyInstance, { auth, log, cookieSecure }: PagesOpts): Promise<void> {
  signInRoutes(app, { parts: signInParts(auth), log, cookieSecure, render: renderLoginPage });

  auditRoute(app, { audit: auth.audit, preHandler: app.requireNurse, who: (req) => req.nurse!, sendPage });
}

const authPages = fp(pages, { name: 'chasqui-auth', dependencies: ['chasqui-nurse-app'] });
