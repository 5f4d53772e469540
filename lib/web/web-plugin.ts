/**
 * The plumbing every Chasqui web app shares: cookies, form parsing, static
 * files, the translator on every request and the language switch. Each app
 * (node/app/app-plugin.ts, hub/app/app-plugin.ts) registers it with its own
 * locales and public folder, then adds who is signed in.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS } from '../errors.js';
import { SESSION_COOKIE, sameAppPath } from '../auth/sign-in.js';
import { crossSiteReason } from './cross-site.js';
import { html } from './html.js';
import type { PageOptions } from './page-shell.js';
import type { AuditSink } from '../auth/audit-log.js';
import { DEFAULT_TIME_ZONE } from '../time-zone.js';
import type { I18n, Translate } from './i18n.js';
import { registerCompression, serveFavicon } from './static-delivery.js';

declare module 'fastify' {
  interface FastifyInstance {
    i18n: I18n;
    /** Set by the app's auth plugin: the access log. */
    audit: AuditSink;
    /** The region's IANA time zone every time on a page is shown in (lib/web/time-format.ts). */
    timeZone: string;
  }
  interface FastifyRequest {
    t: Translate;
  }
}

export const LANG_COOKIE = 'lang';
export const SHARED_PUBLIC_DIR = join(import.meta.dirname, '../../../lib/web/public');

export type WebOptions = {
  i18n: I18n;
  publicDir: string;
  /** config.region.timeZone; America/Lima when not given. */
  timeZone?: string;
  /** The app's own page (its layout), for the page a person gets at an address that does not exist. */
  sendPage?: (req: FastifyRequest, reply: FastifyReply, o: PageOptions, status?: number) => FastifyReply;
  /** Served over HTTPS: Strict-Transport-Security is sent (never on plain HTTP). */
  https?: boolean;
};

/** Call from inside the app's fastify-plugin, so the decorations reach every route. */
export async function registerWeb(app: FastifyInstance, { i18n, publicDir, timeZone, sendPage, https = false }: WebOptions): Promise<void> {
  app.decorate('i18n', i18n);
  app.decorate('timeZone', timeZone ?? DEFAULT_TIME_ZONE);
  // A missing key shows the nurse a code: say so once per key, so it is fixed before anyone reads it.
  i18n.onMissing((m) => app.log.warn({ key: m.key, lang: m.lang, kind: m.kind }, 'translation missing'));
  app.decorateRequest('t', null as unknown as Translate);
  // Security headers on every response, refusals and 404s included (helmet's onRequest hook).
  // Scripts and styles come only from /static/ files: no inline script, no inline style, no framing.
  // No upgrade-insecure-requests and no HSTS on plain HTTP: a post's LAN address must keep working.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:'], mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"], fontSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"],
      },
    },
    // Same-origin: the sign-in's way back (returnPath) and the cross-site check's Referer fallback still see this app's own pages.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 180 * 86400, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
  });
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
  // Every POST/PUT/PATCH/DELETE of the app: refused when a browser says it comes from another origin (lib/web/cross-site.ts).
  app.addHook('onRequest', async (req, reply) => {
    const why = crossSiteReason(req, SESSION_COOKIE);
    if (why === null) return;
    const path = req.url.split('?')[0]!;
    app.log.warn({ ip: req.ip, method: req.method, path, why }, 'cross-site request refused');
    // Recorded once; nothing of the request's body is kept. The audit sink is the auth plugin's (absent in bare tests).
    if (app.hasDecorator('audit') && app.audit) app.audit.record({ actor: 'anonymous', action: 'request.crossSite', detail: { method: req.method, path }, from: req.ip, outcome: 'refused' });
    const message = `${ERRORS.CHASQUI_ERR_CROSS_SITE}: ${req.method} ${path}`;
    if (path.startsWith('/api/') || !sendPage) return reply.status(403).header('cache-control', 'no-store').send({ error: { code: 'CHASQUI_ERR_CROSS_SITE', message } });
    const t = req.t;
    return sendPage(req, reply.header('cache-control', 'no-store'), { title: t('error.crossSiteTitle'), body: html`<p class="card" data-code="CHASQUI_ERR_CROSS_SITE">${t('error.crossSite')}</p><p><a class="button" href="/">${t('error.home')}</a></p>` }, 403);
  });
  // A person who follows an old link reads a page in their language; a program under /api/ gets the catalogue's JSON error.
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path.startsWith('/api/') || !sendPage) {
      return reply.status(404).send({ error: { code: 'CHASQUI_ERR_NOT_FOUND', message: `${ERRORS.CHASQUI_ERR_NOT_FOUND}: ${req.method} ${path}` } });
    }
    const t = req.t;
    return sendPage(req, reply, { title: t('error.notFoundTitle'), body: html`<p class="card" data-code="CHASQUI_ERR_NOT_FOUND">${t('error.notFound')}</p><p><a class="button" href="/">${t('error.home')}</a></p>` }, 404);
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
    return sameAppPath(u.pathname, u.search);
  } catch {
    return '/';
  }
}
