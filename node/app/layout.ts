/** The nurse app's page shell: the shared one (lib/web/page-shell.ts) with the post's navigation. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Html } from '../../lib/web/html.js';
import { pageShell, sendHtml, type NavItem, type PageOptions } from '../../lib/web/page-shell.js';

export type { PageOptions } from '../../lib/web/page-shell.js';

const NAV: NavItem[] = [
  { id: 'patients', href: '/pacientes', key: 'nav.patients' },
  { id: 'cases', href: '/casos', key: 'nav.cases' },
  { id: 'inbox', href: '/mensajes', key: 'nav.inbox' },
  { id: 'devices', href: '/dispositivos', key: 'nav.devices' },
];
const ADMIN_NAV: NavItem[] = [...NAV, { id: 'audit', href: '/auditoria', key: 'audit.nav' }];

export function layout(req: FastifyRequest, o: PageOptions): Html {
  const nurse = req.nurse;
  return pageShell(req, o, { who: nurse, nav: nurse?.role === 'admin' ? ADMIN_NAV : NAV, styles: ['app.css'] });
}

export function sendPage(req: FastifyRequest, reply: FastifyReply, o: PageOptions, status = 200): FastifyReply {
  return sendHtml(reply, layout(req, o), status);
}
