/**
 * The nurse app's plumbing: static files, form and upload parsing, cookies,
 * and the translator on every request. Pages register their own routes
 * (node/app/pages/*); the auth plugin adds `req.nurse`.
 */
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { AuditSink, Nurse } from '../auth/nurse.js';
import { I18n, type Translate } from './i18n.js';

declare module 'fastify' {
  interface FastifyInstance {
    i18n: I18n;
    /** Set by the auth plugin: a preHandler that lets only a signed-in nurse through (pages redirect to sign-in, /api answers 401). */
    requireNurse: preHandlerAsyncHookHandler;
    /** Set by the auth plugin: the access log. */
    audit: AuditSink;
  }
  interface FastifyRequest {
    t: Translate;
    /** The signed-in nurse (set by the auth plugin), or null. */
    nurse: Nurse | null;
  }
}

export const PUBLIC_DIR = join(import.meta.dirname, '../../../node/app/public');
const LANG_COOKIE = 'lang';

async function nurseApp(app: FastifyInstance, opts: { i18n?: I18n }): Promise<void> {
  const i18n = opts.i18n ?? I18n.load();
  app.decorate('i18n', i18n);
  app.decorateRequest('t', null as unknown as Translate);
  app.decorateRequest('nurse', null);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  // Static assets change only with a new version; a day of caching saves the post's Wi-Fi.
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', maxAge: 86_400_000 });
  app.addHook('onRequest', async (req) => {
    req.t = i18n.translator(i18n.pick(req.cookies[LANG_COOKIE], req.headers['accept-language']));
  });
  app.get<{ Params: { lang: string } }>('/idioma/:lang', async (req, reply) => {
    const lang = i18n.catalogs.has(req.params.lang) ? req.params.lang : 'es';
    const back = safeBack(req.headers.referer);
    return reply.setCookie(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', httpOnly: true }).redirect(back);
  });
}

/** fastify-plugin: the decorations and hooks apply to every route of the post, not only this plugin's. */
export const appPlugin = fp(nurseApp, { name: 'chasqui-nurse-app' });

/** Only a path on this same app: a Referer from elsewhere must not become an open redirect. */
function safeBack(referer: string | undefined): string {
  if (!referer) return '/';
  try {
    const u = new URL(referer);
    return u.pathname.startsWith('/') && !u.pathname.startsWith('//') ? u.pathname + u.search : '/';
  } catch {
    return '/';
  }
}
