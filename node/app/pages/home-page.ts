/** The first page after signing in: what needs the nurse now — unread answers, cases still on their way. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import type { CaseService } from '../../cases/case-service.js';
import type { ThreadService } from '../../messages/thread-service.js';
import type { MaintenanceNotice } from '../../../protocol/hub-notices.js';
import { html, type Html } from '../../../lib/web/html.js';
import { when } from '../../../lib/web/time-format.js';
import { sendPage } from '../layout.js';

/** The hub operator's word that the link or hub will be down: the nurse knows why cases wait, and that they leave by themselves after. */
function maintenanceCard(req: FastifyRequest, windows: MaintenanceNotice[], now: number): Html | string {
  if (!windows.length) return '';
  const t = req.t;
  const line = (n: MaintenanceNotice) => t(Date.parse(n.startsAt) <= now ? 'home.maintenance.now' : 'home.maintenance.ahead', {
    from: when(req, n.startsAt), to: when(req, n.endsAt), reason: t(`home.maintenance.reason.${n.reason}`),
  });
  return html`<section class="card notice" role="status"><h2>${t('home.maintenance.title')}</h2>${windows.map((n) => html`<p>${line(n)}</p>`)}<p class="hint">${t('home.maintenance.hint')}</p></section>`;
}

export function homePage(app: FastifyInstance, d: { threads: ThreadService; cases: CaseService; maintenance: () => MaintenanceNotice[]; clock: Clock }): void {
  app.get('/', { preHandler: app.requireNurse }, async (req, reply) => {
    const t = req.t;
    const unread = d.threads.unreadCount();
    const travelling = d.cases.list(200).filter((c) => c.status.state === 'waiting' || c.status.state === 'sending').length;
    const body = html`${maintenanceCard(req, d.maintenance(), d.clock.now())}
      <form method="get" action="/pacientes" class="card" role="search">
        <label for="q">${t('home.findPatient')}</label>
        <input id="q" name="q" autocomplete="off" placeholder="${t('home.findHint')}">
        <button>${t('common.search')}</button> <a class="button secondary" href="/pacientes/nuevo">${t('home.newPatient')}</a>
      </form>
      <p class="card"><a href="/mensajes">${t('home.unread', { n: unread })}</a></p>
      <p class="card"><a href="/casos">${t('home.travelling', { n: travelling })}</a></p>`;
    return sendPage(req, reply, { title: t('home.title', { name: req.nurse!.displayName }), body });
  });
}
