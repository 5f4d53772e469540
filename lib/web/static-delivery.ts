/**
 * How every Chasqui web server (post, hub, device bridge) delivers what a
 * browser downloads: pages, stylesheets and scripts compressed (brotli, else
 * gzip) by @fastify/compress, and the favicon from this repository, never
 * from a CDN. A post's Wi-Fi and a hub's VSAT link are slow; text shrinks
 * four to five times, and a browser asks for /favicon.ico on every site.
 */
import fastifyCompress from '@fastify/compress';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * Text only. Not text/event-stream: a compressor holds events back until its
 * buffer fills, and the live ECG trace would stall. Not photos, ECG records or
 * bundles (octet-stream, which the plugin's default includes): they are
 * entropy-coded already, and compressing them again costs a Raspberry Pi CPU for nothing.
 */
export const COMPRESSIBLE = /^text\/(?!event-stream)|^application\/(javascript|json|xml)|(?:\+|\/)(json|xml)(?:;|$)/;

/** Below this a response is sent as is: the headers would eat the saving. */
export const COMPRESS_THRESHOLD = 1024;

// Brotli at the plugin's quality 4: most of the saving of 11 at a small part of its CPU.
export const COMPRESS_OPTIONS = { encodings: ['br', 'gzip'] as Array<'br' | 'gzip'>, customTypes: COMPRESSIBLE, threshold: COMPRESS_THRESHOLD };

/**
 * Register on the server itself (not inside an encapsulated plugin) and
 * before the routes it should cover: it hooks each route as it is added.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, COMPRESS_OPTIONS);
}

const FAVICON_DIR = join(import.meta.dirname, '../../../lib/web/public');
export const FAVICON_SVG = '/favicon.svg';

/** /favicon.ico (what browsers ask for unprompted) and /favicon.svg (what the page shell links), without signing in. */
export function serveFavicon(app: FastifyInstance): void {
  const ico = readFileSync(join(FAVICON_DIR, 'favicon.ico'));
  const svg = readFileSync(join(FAVICON_DIR, 'favicon.svg'));
  const cache = 'public, max-age=86400';
  app.get('/favicon.ico', async (_req, reply) => reply.type('image/x-icon').header('cache-control', cache).send(ico));
  app.get(FAVICON_SVG, async (_req, reply) => reply.type('image/svg+xml').header('cache-control', cache).send(svg));
}
