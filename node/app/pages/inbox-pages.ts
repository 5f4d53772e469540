/**
 * The nurse's messages: answers and questions from specialists, unread
 * first; one message with its whole case thread, a reply box, and a print
 * page (the post keeps a paper record of every counter-reference).
 */
import { recordAccess, shownIds } from '../../auth/access-record.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isChasquiError } from '../../../lib/errors.js';
import type { CaseService } from '../../cases/case-service.js';
import type { PostThreadMessage } from '../../messages/thread-store.js';
import { MAX_REPLY_CHARS, type ThreadService } from '../../messages/thread-service.js';
import { html, type Html } from '../../../lib/web/html.js';
import { when, withZone } from '../../../lib/web/time-format.js';
import { formKey, keyInput, type SubmissionKeys } from '../../../lib/web/submission-keys.js';
import { sendPage } from '../layout.js';
import { counterReferenceBody, patientName, printPage, signatureLine } from './message-views.js';

export interface InboxDeps {
  threads: ThreadService;
  cases: CaseService;
  submissions: SubmissionKeys;
}

type Params = { Params: { id: string } };

export function inboxPages(app: FastifyInstance, d: InboxDeps): void {
  const guard = { preHandler: app.requireNurse };

  app.get('/mensajes', guard, async (req, reply) => {
    const t = req.t;
    const list = d.threads.inbox();
    recordAccess(req, { action: 'message.list', detail: shownIds(list) });
    const rows = list.map((m) => html`<tr${m.readAt ? '' : html` class="unread"`}>
      <td>${m.readAt ? '' : html`<span class="badge urgent">${t('inbox.new')}</span> `}<a href="/mensajes/${m.id}">${t(`inbox.type.${m.type}`)}</a></td>
      <td>${patientOf(d, m.caseId)}</td><td>${reasonOf(d, m.caseId)}</td>
      <td>${authorOf(m)}</td><td>${when(req, m.at, { label: false })}</td></tr>`);
    const body = list.length
      ? html`<table><thead><tr><th>${t('inbox.col.message')}</th><th>${t('inbox.col.patient')}</th><th>${t('inbox.col.reason')}</th><th>${t('inbox.col.from')}</th><th>${withZone(req, t('inbox.col.date'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="muted">${t('inbox.empty')}</p>`;
    return sendPage(req, reply, { title: t('inbox.title'), section: 'inbox', body });
  });

  app.get<Params>('/mensajes/:id', guard, async (req, reply) => {
    const m = d.threads.read(req.params.id, req.nurse!);
    recordAccess(req, { action: 'message.read', target: m.id, detail: { caseId: m.caseId } });
    const ok = (req.query as { ok?: string }).ok === 'replied';
    return sendPage(req, reply, messagePage(req, d, m, ok ? { flash: { kind: 'ok', text: req.t('inbox.replySent') } } : {}));
  });

  // Post/Redirect/Get with an idempotency key: a reload of the answer page or a double tap sends nothing new.
  app.post<Params & { Body: { text?: string } }>('/mensajes/:id/responder', guard, async (req, reply) => {
    const m = d.threads.get(req.params.id);
    if (!m) return reply.callNotFound();
    const key = formKey(req.body);
    try {
      const { target, created } = d.submissions.once('message.reply', key, () => d.threads.reply(m.id, req.body?.text ?? '', req.nurse!).id);
      if (created) recordAccess(req, { action: 'message.reply', target, detail: { caseId: m.caseId, inReplyTo: m.id } });
      return reply.redirect(`/mensajes/${m.id}?ok=replied#m-${target}`, 303);
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST')) throw err;
      const flash = { kind: 'error' as const, text: req.t('inbox.replyInvalid', { max: MAX_REPLY_CHARS }) };
      return sendPage(req, reply, messagePage(req, d, m, { flash, draft: req.body?.text, key }), 400);
    }
  });

  app.get<Params>('/mensajes/:id/imprimir', guard, async (req, reply) => {
    const m = d.threads.get(req.params.id);
    if (!m || m.direction !== 'down') return reply.callNotFound();
    recordAccess(req, { action: 'message.print', target: m.id, detail: { caseId: m.caseId } });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(printPage(req, m, d.cases.get(m.caseId)).value);
  });
}

type MessagePageOptions = { flash?: { kind: 'ok' | 'error'; text: string }; draft?: string; key?: string };

function messagePage(req: FastifyRequest, d: InboxDeps, m: PostThreadMessage, { flash, draft = '', key }: MessagePageOptions = {}) {
  const t = req.t;
  const thread = d.threads.byCase(m.caseId);
  const body = html`
    <p class="muted">${t('inbox.forCase')} <a href="/casos/${m.caseId}">${reasonOf(d, m.caseId) || m.caseId}</a> · ${patientOf(d, m.caseId)}</p>
    ${thread.map((x) => threadEntry(req, x, x.id === m.id))}
    <form method="post" action="/mensajes/${m.id}/responder" class="card no-print">
      ${keyInput(key)}
      <label for="reply">${t(m.type === 'question' ? 'inbox.answerQuestion' : 'inbox.reply')}</label>
      <textarea id="reply" name="text" maxlength="${MAX_REPLY_CHARS}" required>${draft}</textarea>
      <button>${t('inbox.send')}</button>
      ${m.direction === 'down' ? html`<a class="button secondary" href="/mensajes/${m.id}/imprimir">${t('common.print')}</a>` : ''}
    </form>`;
  return { title: t(`inbox.type.${m.type}`), section: 'inbox', body, ...(flash ? { flash } : {}) };
}

function threadEntry(req: FastifyRequest, m: PostThreadMessage, current: boolean): Html {
  const t = req.t;
  // A specialist opening the case is a line in the thread, not a message: it has no author or text to show.
  if (m.type === 'seen') {
    const specialty = String(m.body.specialty ?? '');
    return html`<p class="muted seen" id="m-${m.id}">${t('inbox.seenBy', { specialty: specialty ? t(`specialty.${specialty}`) : '' })} · ${when(req, m.at)}</p>`;
  }
  const head = html`<p class="muted">${t(`inbox.type.${m.type}`)} · ${authorOf(m)} · ${when(req, m.at)}${m.readAt ? html` · ${t('inbox.readBy', { who: m.readBy ?? '' })}` : ''}</p>`;
  const content = m.direction === 'up' ? html`<p>${String(m.body.text ?? '')}</p>` : html`${counterReferenceBody(t, m.body)}${signatureLine(t, m.body)}`;
  return html`<article class="card${current ? ' current' : ''}" id="m-${m.id}">${head}${content}</article>`;
}

function authorOf(m: PostThreadMessage): string {
  const a = m.body.author as { name?: string; specialty?: string } | undefined;
  return a?.name ?? '';
}

function caseBody(d: InboxDeps, caseId: string): Record<string, unknown> {
  return (d.cases.get(caseId)?.body ?? {}) as Record<string, unknown>;
}

function patientOf(d: InboxDeps, caseId: string): string {
  return patientName(caseBody(d, caseId));
}

function reasonOf(d: InboxDeps, caseId: string): string {
  return String(caseBody(d, caseId).reason ?? '');
}
