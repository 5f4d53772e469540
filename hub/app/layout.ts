/** The hub app's page shell: the shared one (lib/web/page-shell.ts) with the hub's navigation, cut to the user's role. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from '../../lib/web/html.js';
import { pageShell, sendHtml, type NavItem, type PageOptions } from '../../lib/web/page-shell.js';
import { mayOpen, type HubArea } from '../auth/hub-access.js';

export type { PageOptions } from '../../lib/web/page-shell.js';

const NAV: ReadonlyArray<NavItem & { id: HubArea }> = [
  { id: 'queue', href: '/cola', key: 'nav.queue' },
  { id: 'cases', href: '/casos', key: 'nav.cases' },
  { id: 'links', href: '/enlaces', key: 'nav.links' },
  { id: 'audit', href: '/auditoria', key: 'nav.audit' },
  { id: 'postAudit', href: '/auditoria/puestos', key: 'nav.postAudit' },
];

export function layout(req: FastifyRequest, o: PageOptions): Html {
  const user = req.user;
  const nav = user ? NAV.filter((n) => mayOpen(user.role, n.id)) : [];
  // The ECG viewer's few rules ride along on every page: one cached file more saves a flash of unstyled controls.
  return pageShell(req, o, { who: user, nav, styles: ['hub.css', 'ecg-viewer.css'] });
}

export function sendPage(req: FastifyRequest, reply: FastifyReply, o: PageOptions, status = 200): FastifyReply {
  return sendHtml(reply, layout(req, o), status);
}

/** A signed-in user asked for a page their role does not open. */
export function sendForbidden(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const t = req.t;
  const body = html`<p class="card" data-code="CHASQUI_ERR_NOT_AUTHORIZED">${t('auth.forbidden')}</p>`;
  return sendPage(req, reply, { title: t('auth.forbiddenTitle'), body }, 403);
}
