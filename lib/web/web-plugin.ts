/**
 * The plumbing every Chasqui web app shares: cookies, form parsing, static
 * files, the translator on every request and the language switch. Each app
 * (node/app/app-plugin.ts, hub/app/app-plugin.ts) registers it with its own
 * locales and public folder, then adds who is signed in.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { AuditSink } from '../auth/audit-log.js';
import type { I18n, Translate } from './i18n.js';
import { registerCompression, serveFavicon } from './static-delivery.js';

declare module 'fastify' {
  interface FastifyInstance {
    i18n: I18n;
    /** Set by the app's auth plugin: the access log. */
    audit: AuditSink;
  }
  interface FastifyRequest {
    t: Translate;
  }
}

export const LANG_COOKIE = 'lang';
export const SHARED_PUBLIC_DIR = join(import.meta.dirname, '../../../lib/web/public');

export type WebOptions = { i18n: I18n; publicDir: string };

/** Call from inside the app's fastify-plugin, so the decorations reach every route. */
export async function registerWeb(app: FastifyInstance, { i18n, publicDir }: WebOptions): Promise<void> {
  app.decorate('i18n', i18n);
  app.decorateRequest('t', null as unknown as Translate);
  // First, so every page, stylesheet and script registered after it goes out compressed.
  await registerCompression(app);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  // Static assets change only with a new version; a day of caching saves a post's Wi-Fi.
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: 86_400_000 });
  // The look both apps share (base.css), served once from lib/web/public.
  await app.register(fastifyStatic, { root: SHARED_PUBLIC_DIR, prefix: '/static/base/', maxAge: 86_400_000, decorateReply: false });
  serveFavicon(app);
  app.addHook('onRequest', async (req) => {
    req.t = i18n.translator(i18n.pick(req.cookies[LANG_COOKIE], req.headers['accept-language']));
  });
  app.get<{ Params: { lang: string } }>('/idioma/:lang', async (req, reply) => {
    const lang = i18n.catalogs.has(req.params.lang) ? req.params.lang : 'es';
    const back = safeBack(req.headers.referer);
    return reply.setCookie(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', httpOnly: true }).redirect(back);
  });
}

/** Only a path on this same app: a Referer from elsewhere must not become an open redirect. */
export function safeBack(referer: string | undefined): string {
  if (!referer) return '/';
  try {
    const u = new URL(referer);
    return u.pathname.startsWith('/') && !u.pathname.startsWith('//') ? u.pathname + u.search : '/';
  } catch {
    return '/';
  }
}
