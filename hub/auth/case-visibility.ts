/**
 * Which cases a hub user may open: the one rule every page and API route
 * that shows clinical data asks (the queue, the case lists, the case page,
 * its photos, attachments, ECG data, FHIR export, and the earlier cases of
 * the same patient). Law 29733 art. 9 and D.S. 003-2013-JUS limit access
 * to personal data to what each person's purpose needs: a specialist's
 * purpose is the cases the routing gave one of their specialties; an
 * operator or an admin has no purpose in any case's content, so opens none.
 *
 * Pure: the caller gives the specialty the routing decided (hub/routing/),
 * or undefined for a case not routed yet, which nobody opens.
 */
import type { HubUser } from './hub-accounts.js';
import type { Specialty } from '../routing/routing-rules.js';

export type CaseViewer = Pick<HubUser, 'role' | 'specialties'>;

export function mayOpenCase(user: CaseViewer, routedTo: Specialty | undefined): boolean {
  return user.role === 'specialist' && routedTo !== undefined && user.specialties.includes(routedTo);
}

/** The cases among `all` the user may open, in the order given; `routedTo` looks up each one's specialty. */
export function visibleCases<C extends { postId: string; caseId: string }>(user: CaseViewer, all: readonly C[], routedTo: (c: C) => Specialty | undefined): C[] {
  return all.filter((c) => mayOpenCase(user, routedTo(c)));
}

/** How a case is named in the access log: ids only, never a name or document number. */
export const caseTarget = (c: { postId: string; caseId: string }): string => `${c.postId}/${c.caseId}`;
