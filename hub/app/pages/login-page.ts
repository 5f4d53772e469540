/** The hub's sign-in page: the shared one (lib/web/login-page.ts) in the hub's shell. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderLoginPage as renderShared, type LoginView } from '../../../lib/web/login-page.js';
import { sendPage } from '../layout.js';

export function renderLoginPage(req: FastifyRequest, reply: FastifyReply, v: LoginView, status = 200): FastifyReply {
  return renderShared(req, reply, v, sendPage, status);
}
