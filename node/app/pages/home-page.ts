/** The first page after signing in: what needs the nurse now — unread answers, cases still on their way. */
import type { FastifyInstance } from 'fastify';
import type { CaseService } from '../../cases/case-service.js';
import type { ThreadService } from '../../messages/thread-service.js';
import { html } from '../../../lib/web/html.js';
import { sendPage } from '../layout.js';

export function homePage(app: FastifyInstance, d: { threads: ThreadService; cases: CaseService }): void {
  app.get('/', { preHandler: app.requireNurse }, async (req, reply) => {
    const t = req.t;
    const unread = d.threads.unreadCount();
    const travelling = d.cases.list(200).filter((c) => c.status.state === 'waiting' || c.status.state === 'sending').length;
    const body = html`
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
