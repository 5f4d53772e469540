/** The post's access log page: the shared one (lib/web/audit-page.ts) in the nurse app's shell. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderAuditPage as renderShared, type AuditView } from '../../../lib/web/audit-page.js';
import { sendPage } from '../layout.js';

export type { AuditView } from '../../../lib/web/audit-page.js';

export function renderAuditPage(req: FastifyRequest, reply: FastifyReply, v: AuditView): FastifyReply {
  return renderShared(req, reply, v, sendPage);
}
