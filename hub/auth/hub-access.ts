/**
 * Which role opens which part of the hub app: one table, read by the
 * navigation and by every page's preHandler (`app.requireUser(HUB_AREAS.cases)`),
 * so the menu never offers what the page would refuse.
 *
 * Patient data is seen by specialists only: Law 29733 art. 9 and its
 * regulation (D.S. 003-2013-JUS) ask that access to personal data be limited
 * to whom the purpose needs. An operator keeps links to the posts healthy
 * and needs no clinical content; an admin manages accounts and reads the
 * access log, and reads no case either. The region's data protection officer
 * (dpo, Law 29733's "responsable" for the data bank) reads the hub's and every
 * post's access log, and nothing clinical.
 */
import type { HubRole } from './hub-accounts.js';

export const HUB_AREAS = {
  queue: ['specialist'],
  cases: ['specialist'],
  links: ['operator', 'admin'],
  audit: ['admin', 'dpo'],
  postAudit: ['admin', 'dpo'],
} as const satisfies Record<string, readonly HubRole[]>;

export type HubArea = keyof typeof HUB_AREAS;

export function mayOpen(role: HubRole, area: HubArea): boolean {
  return (HUB_AREAS[area] as readonly HubRole[]).includes(role);
}

/** Where "/" takes someone: the page their work starts from (each opens for its role, per HUB_AREAS). */
const LANDING: Record<HubRole, string> = { specialist: '/cola', operator: '/enlaces', admin: '/auditoria', dpo: '/auditoria/puestos' };

export function landingPath(role: HubRole): string {
  return LANDING[role];
}
