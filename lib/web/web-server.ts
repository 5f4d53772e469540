/** The one place either web app's Fastify is made: with HTTPS when lib/tls/web-tls.ts says so. */
import Fastify, { type FastifyHttpOptions, type FastifyHttpsOptions, type FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { WebTls } from '../tls/web-tls.js';

export function webServer(web: Pick<WebTls, 'https'>, options: FastifyHttpOptions<Server>): FastifyInstance {
  if (!web.https) return Fastify(options);
  // The routes, hooks and inject() are the same over TLS; only the server under them differs, so both apps keep one instance type.
  const over: FastifyHttpsOptions<HttpsServer> = { ...(options as FastifyHttpsOptions<HttpsServer>), https: web.https };
  return Fastify(over) as unknown as FastifyInstance;
}
