/**
 * The nurse app's plumbing: the shared web shell (lib/web/web-plugin.ts:
 * static files, forms, cookies, the translator) with the post's locales and
 * public folder. Pages register their own routes (node/app/pages/*); the
 * auth plugin adds `req.nurse`.
 */
import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { I18n } from '../../lib/web/i18n.js';
import { registerWeb } from '../../lib/web/web-plugin.js';
import { sendPage } from './layout.js';
import type { Nurse } from '../auth/nurse.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the auth plugin: a preHandler that lets only a signed-in nurse through (pages redirect to sign-in, /api answers 401). */
    requireNurse: preHandlerAsyncHookHandler;
  }
  interface FastifyRequest {
    /** The signed-in nurse (set by the auth plugin), or null. */
    nurse: Nurse | null;
  }
}

export const PUBLIC_DIR = join(import.meta.dirname, '../../../node/app/public');
export const LOCALES_DIR = join(import.meta.dirname, '../../../node/app/locales');

async function nurseApp(app: FastifyInstance, opts: { i18n?: I18n; timeZone?: string; https?: boolean }): Promise<void> {
  await registerWeb(app, { i18n: opts.i18n ?? I18n.load(LOCALES_DIR), publicDir: PUBLIC_DIR, timeZone: opts.timeZone, sendPage, https: opts.https ?? false });
  app.decorateRequest('nurse', null);
}

/** fastify-plugin: the decorations and hooks apply to every route of the post, not only this plugin's. */
export const appPlugin = fp(nurseApp, { name: 'chasqui-nurse-app' });
