/**
 * The specialist's queue: their own cases and their specialties' shared
 * queue, urgent first and then by how long each has waited, with filters by
 * post and specialty. A signed-in specialist's username is their roster id.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { html } from '../../../lib/web/html.js';
import { HUB_AREAS } from '../../auth/hub-access.js';
import type { HubCaseStore } from '../../cases/case-store.js';
import type { CaseThreads } from '../../cases/case-threads.js';
import type { QueueItem } from '../../routing/routing-store.js';
import type { Router } from '../../routing/router.js';
import { SPECIALTIES, type Specialty } from '../../routing/routing-rules.js';
import { sendPage } from '../layout.js';
import { newMessageBadge, patientLine, waited } from './review-views.js';
import { mayReview, recordRead, reviewable } from '../../auth/case-access.js';
import { caseTarget } from '../../auth/case-visibility.js';

type QueueDeps = { router: Router; cases: HubCaseStore; clock: Clock; threads: CaseThreads };

export function queuePage(app: FastifyInstance, d: QueueDeps): void {
  app.get<{ Querystring: { post?: string; especialidad?: string } }>('/cola', { preHandler: app.requireUser(HUB_AREAS.queue) }, async (req, reply) => {
    const t = req.t;
    const user = req.user!;
    const specialty = SPECIALTIES.includes(req.query.especialidad as Specialty) ? (req.query.especialidad as Specialty) : undefined;
    const filters = { ...(req.query.post ? { postId: req.query.post } : {}), ...(specialty ? { specialty } : {}) };
    const now = new Date(d.clock.now());
    // The routing store cuts by specialty already; the one rule is asked again so no other path can widen it.
    const items = reviewable(req, d.router, d.router.store.queue(user.username, user.specialties, now, filters));
    const unread = d.threads.unreadFor(user.username);
    const rows = items.map((q) => row(req, d, q, now.getTime(), unread.has(`${q.postId}/${q.caseId}`)));
    // An answered case leaves the queue, but the nurse may still write back: those are listed above it.
    const inQueue = new Set(items.map((q) => `${q.postId}/${q.caseId}`));
    const answeredUnread = [...unread].filter((k) => !inQueue.has(k)).map((k) => {
      const [postId, caseId] = k.split('/') as [string, string];
      return { postId, caseId, a: d.router.store.get(postId, caseId), c: d.cases.find(postId, caseId) };
    }).filter((x) => x.a && x.c && mayReview(req, d.router, x) && (!req.query.post || x.postId === req.query.post));
    // One entry for the list, naming the cases shown by id (never the filter typed: it may name a place or person).
    recordRead(req, 'queue.view', undefined, { count: items.length + answeredUnread.length, cases: [...items, ...answeredUnread].map(caseTarget) });
    const body = html`
      <form method="get" action="/cola" class="card filters">
        <label>${t('queue.filter.post')} <input name="post" value="${req.query.post ?? ''}" autocomplete="off"></label>
        <label>${t('queue.filter.specialty')} <select name="especialidad"><option value="">${t('queue.filter.all')}</option>
          ${user.specialties.map((s) => html`<option value="${s}"${s === specialty ? html` selected` : ''}>${t(`specialty.${s}`)}</option>`)}</select></label>
        <button>${t('queue.filter.apply')}</button>
      </form>
      ${answeredUnread.length ? html`<section class="card replies"><h2>${t('queue.replies')}</h2><ul>${answeredUnread.map((x) => html`<li><a href="/casos/${x.postId}/${x.caseId}">${patientLine(x.c!.body as Record<string, unknown>)}</a> ${newMessageBadge(t)} · ${String((x.c!.body as { reason?: string }).reason ?? '')} · ${x.postId}</li>`)}</ul></section>` : ''}
      ${items.length
        ? html`<table class="queue"><thead><tr><th>${t('queue.col.priority')}</th><th>${t('queue.col.waiting')}</th><th>${t('queue.col.patient')}</th><th>${t('queue.col.reason')}</th><th>${t('queue.col.post')}</th><th>${t('queue.col.specialty')}</th><th>${t('queue.col.assignee')}</th></tr></thead><tbody>${rows}</tbody></table>`
        : html`<p class="muted">${t('queue.empty')}</p>`}`;
    return sendPage(req, reply, { title: t('queue.title'), section: 'queue', body });
  });
}

function row(req: FastifyRequest, d: { cases: HubCaseStore }, q: QueueItem, now: number, unread: boolean) {
  const t = req.t;
  const c = d.cases.find(q.postId, q.caseId);
  const body = (c?.body ?? {}) as Record<string, unknown>;
  const overdue = q.deadline !== null && q.deadline < now && !q.openedAt;
  return html`<tr class="${q.priority}${overdue ? ' overdue' : ''}${unread ? ' unread' : ''}">
    <td><span class="badge ${q.priority}">${t(`priority.${q.priority}`)}</span>${overdue ? html` <span class="badge overdue">${t('queue.overdue')}</span>` : ''}</td>
    <td>${waited(t, q.waitingMs)}</td>
    <td><a href="/casos/${q.postId}/${q.caseId}">${patientLine(body)}</a>${unread ? html` ${newMessageBadge(t)}` : ''}</td>
    <td>${String(body.reason ?? '')}</td><td>${q.postId}</td><td>${t(`specialty.${q.specialty}`)}</td>
    <td>${q.assignee ?? t('queue.shared')}${q.openedAt ? html` · ${t('queue.opened')}` : ''}</td></tr>`;
}
