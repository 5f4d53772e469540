/**
 * The hub app's plumbing: the shared web shell (lib/web/web-plugin.ts:
 * static files, forms, cookies, the translator) with the hub's own locales
 * and public folder. The auth plugin (hub/auth/hub-auth.ts) adds `req.user`
 * and `app.requireUser`.
 */
import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { I18n } from '../../lib/web/i18n.js';
import { registerWeb } from '../../lib/web/web-plugin.js';
import { sendPage } from './layout.js';
import type { HubRole, HubUser } from '../auth/hub-accounts.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Set by registerHubAuth: a preHandler that lets through only a signed-in
     * user, and with roles given only one of those roles. Without a session a
     * page redirects to /entrar and /api answers 401; a wrong role answers 403.
     */
    requireUser(roles?: readonly HubRole[]): preHandlerAsyncHookHandler;
  }
  interface FastifyRequest {
    /** The signed-in hub user (set by requireUser), or null. */
    user: HubUser | null;
  }
}

export const HUB_PUBLIC_DIR = join(import.meta.dirname, '../../../hub/app/public');
export const HUB_LOCALES_DIR = join(import.meta.dirname, '../../../hub/app/locales');

async function hubApp(app: FastifyInstance, opts: { i18n?: I18n; timeZone?: string; https?: boolean }): Promise<void> {
  await registerWeb(app, { i18n: opts.i18n ?? I18n.load(HUB_LOCALES_DIR), publicDir: HUB_PUBLIC_DIR, timeZone: opts.timeZone, sendPage, https: opts.https ?? false });
  app.decorateRequest('user', null);
}

/** fastify-plugin: the decorations and hooks apply to every route of the hub, not only this plugin's. */
export const hubAppPlugin = fp(hubApp, { name: 'chasqui-hub-app' });
