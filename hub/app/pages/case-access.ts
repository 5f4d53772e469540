/**
 * Who may open a case at the hub, in one place for every page that shows
 * part of one (the case, its photos): a specialist of the specialty the
 * routing gave it. A refusal is recorded (Law 29733: an access review looks
 * for attempts as much as for reads).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubCase } from '../../cases/case-store.js';
import type { Router } from '../../routing/router.js';
import { sendForbidden } from '../layout.js';

/** A specialist reviews the cases of the specialties in their account; the routing decided the case's. */
export function mayReview(req: FastifyRequest, router: Router, c: HubCase): boolean {
  const specialty = router.store.get(c.postId, c.caseId)?.specialty;
  return !!specialty && req.user!.specialties.includes(specialty);
}

export function denyCase(req: FastifyRequest, reply: FastifyReply, c: HubCase): FastifyReply {
  req.server.audit.record({ actor: req.user!.username, action: 'access.denied', target: `${c.postId}/${c.caseId}`, detail: { reason: 'specialty' } });
  return sendForbidden(req, reply);
}
