/**
 * The case rule (case-visibility.ts) bound to a request, and the access log
 * entries every clinical route writes: one per read, list, export or
 * refusal, with who, from where and whether it was allowed (Law 29733 and
 * D.S. 003-2013-JUS: a record of access; an access review looks for
 * attempts as much as for reads). Details hold ids and counts only, never a
 * name, document number or the text of a query.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChasquiError } from '../../lib/errors.js';
import type { HubCase } from '../cases/case-store.js';
import type { Router } from '../routing/router.js';
import { sendForbidden } from '../app/layout.js';
import { caseTarget, mayOpenCase, visibleCases } from './case-visibility.js';

/** One allowed read (or list, or export) by the signed-in user, recorded. */
export function recordRead(req: FastifyRequest, action: string, target?: string, detail?: Record<string, unknown>): void {
  req.server.audit.record({ actor: req.user!.username, action, ...(target ? { target } : {}), ...(detail ? { detail } : {}), from: req.ip, outcome: 'allowed' });
}

/** One refusal, recorded under the action reviews already search for. */
export function recordRefusal(req: FastifyRequest, target: string | undefined, detail: Record<string, unknown>): void {
  req.server.audit.record({ actor: req.user?.username ?? 'anonymous', action: 'access.denied', ...(target ? { target } : {}), detail, from: req.ip, outcome: 'refused' });
}

/** A specialist reviews the cases of the specialties in their account; the routing decided the case's. */
export function mayReview(req: FastifyRequest, router: Router, c: Pick<HubCase, 'postId' | 'caseId'>): boolean {
  return mayOpenCase(req.user!, router.store.get(c.postId, c.caseId)?.specialty);
}

/** The cases of `all` this user may open. */
export function reviewable<C extends Pick<HubCase, 'postId' | 'caseId'>>(req: FastifyRequest, router: Router, all: readonly C[]): C[] {
  return visibleCases(req.user!, all, (c) => router.store.get(c.postId, c.caseId)?.specialty);
}

/** A page refused for the case's specialty: recorded, and the 403 page. */
export function denyCase(req: FastifyRequest, reply: FastifyReply, c: Pick<HubCase, 'postId' | 'caseId'>): FastifyReply {
  recordRefusal(req, caseTarget(c), { reason: 'specialty', path: req.url.split('?')[0] });
  return sendForbidden(req, reply);
}

/**
 * For the JSON API: the case, if this user may open it; otherwise the refusal
 * is recorded and a 403 CHASQUI_ERR_NOT_AUTHORIZED thrown. An unknown case is
 * a 404 with nothing recorded: there is no patient data to refuse.
 */
export function requireCase(req: FastifyRequest, router: Router, c: HubCase | undefined, postId: string, caseId: string): HubCase {
  if (!c) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${caseId} of post ${postId}`);
  if (!mayReview(req, router, c)) {
    recordRefusal(req, caseTarget(c), { reason: 'specialty', path: req.url.split('?')[0] });
    throw new ChasquiError('CHASQUI_ERR_NOT_AUTHORIZED', `case ${caseId} of post ${postId} is not in your specialties`);
  }
  return c;
}
