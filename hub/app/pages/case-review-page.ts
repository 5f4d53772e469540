/**
 * The specialist's case view: patient and earlier cases from any post,
 * vitals with flags, photos at full resolution, each ECG in the standard
 * layout, the thread with delivery and read receipts, and the answer form.
 * Only a specialist of the case's specialty opens it; every view is audited
 * (Law 29733), and the first one tells the post the case was seen.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { ChasquiError, isChasquiError } from '../../../lib/errors.js';
import { html } from '../../../lib/web/html.js';
import { isFormKey } from '../../../lib/web/submission-keys.js';
import { when } from '../../../lib/web/time-format.js';
import { HUB_AREAS } from '../../auth/hub-access.js';
import type { HubCase, HubCaseStore } from '../../cases/case-store.js';
import type { CaseThreads } from '../../cases/case-threads.js';
import type { CounterReferenceInput } from '../../cases/counter-references.js';
import type { Hub } from '../../hub.js';
import type { Router } from '../../routing/router.js';
import { sendPage } from '../layout.js';
import { ecgViewerWords } from './ecg-words.js';
import type { Cie10 } from '../../terminology/cie10.js';
import { diagnosisFields, hasUnknownDiagnosis, typedDiagnoses } from './diagnosis-field.js';
import { denyCase, mayReview, recordRead, reviewable } from '../../auth/case-access.js';
import { caseTarget } from '../../auth/case-visibility.js';
import { attachmentPath } from '../../cases/attachment-path.js';
import { photoPages, photoPath, photosOf } from './photo-page.js';
import { answerForm, earlierCases, newMessageBadge, patientLine, patientOf, threadView, vitalsTable } from './review-views.js';

export interface ReviewDeps {
  cases: HubCaseStore;
  threads: CaseThreads;
  router: Router;
  clock: Clock;
  sendCounterReference: Hub['sendCounterReference'];
  markSeen: Hub['markSeen'];
  cie10: Cie10;
}

type Params = { Params: { postId: string; caseId: string } };
const ECG = 'application/vnd.chasqui.ecg';

export function caseReviewPage(app: FastifyInstance, d: ReviewDeps): void {
  const guard = { preHandler: app.requireUser(HUB_AREAS.cases) };
  photoPages(app, d);

  app.get('/casos', guard, async (req, reply) => {
    const t = req.t;
    const mine = reviewable(req, d.router, d.cases.list(300));
    recordRead(req, 'case.list', undefined, { via: 'page', count: mine.length, cases: mine.map(caseTarget) });
    const unread = d.threads.unreadFor(req.user!.username);
    const rows = mine.map((c) => html`<tr${unread.has(`${c.postId}/${c.caseId}`) ? html` class="unread"` : ''}><td><a href="/casos/${c.postId}/${c.caseId}">${patientLine(c.body as Record<string, unknown>)}</a>${unread.has(`${c.postId}/${c.caseId}`) ? html` ${newMessageBadge(t)}` : ''}</td><td>${String((c.body as { reason?: string }).reason ?? '')}</td><td>${c.postId}</td><td>${when(req, c.receivedAt)}</td><td>${d.router.store.get(c.postId, c.caseId)?.answeredAt ? t('review.answered') : ''}</td></tr>`);
    return sendPage(req, reply, { title: t('review.casesTitle'), section: 'cases', body: html`<table><tbody>${rows}</tbody></table>` });
  });

  app.get<Params>('/casos/:postId/:caseId', guard, async (req, reply) => {
    const c = d.cases.find(req.params.postId, req.params.caseId);
    if (!c) return reply.callNotFound();
    if (!mayReview(req, d.router, c)) return denyCase(req, reply, c);
    const user = req.user!;
    // Ids only: the case names the patient for whoever reviews the log with the right to.
    recordRead(req, 'case.view', caseTarget(c));
    const a = d.router.store.get(c.postId, c.caseId);
    if (a && !a.openedAt) d.router.open(c.postId, c.caseId, user.username, new Date(d.clock.now()));
    if (a) d.markSeen(c.postId, c.caseId, a.specialty);
    const shown = page(req, d, c);
    d.threads.markViewed(c.postId, c.caseId, user.username);
    return sendPage(req, reply, shown);
  });

  // A POST refused for an ended session is sent to sign in with this path to come back to: bring the
  // specialist to the case, where the form's draft (answer-draft.js) puts back what they typed.
  app.get<Params>('/casos/:postId/:caseId/respuesta', guard, async (req, reply) =>
    reply.redirect(`/casos/${encodeURIComponent(req.params.postId)}/${encodeURIComponent(req.params.caseId)}`, 303));

  app.post<Params & { Body: Record<string, string> }>('/casos/:postId/:caseId/respuesta', guard, async (req, reply) => {
    const c = d.cases.find(req.params.postId, req.params.caseId);
    if (!c) return reply.callNotFound();
    if (!mayReview(req, d.router, c)) return denyCase(req, reply, c);
    const user = req.user!;
    const form = req.body ?? {};
    // "Comprobar", or a code the classification lacks: the page again, each code with its description or its error.
    if (form.type !== 'question' && (form.check !== undefined || hasUnknownDiagnosis(form, d.cie10))) {
      return sendPage(req, reply, page(req, d, c, form), form.check !== undefined && !hasUnknownDiagnosis(form, d.cie10) ? 200 : 400);
    }
    try {
      const formKey = formKeyOf(form);
      const sent = d.sendCounterReference(c.postId, c.caseId, counterReferenceOf(form, user, d.router.store.get(c.postId, c.caseId)?.specialty ?? user.specialties[0] ?? ''), { formKey });
      if (!sent.repeated) recordRead(req, `case.${form.type === 'question' ? 'ask' : 'answer'}`, caseTarget(c), { message: sent.id });
      // Post/Redirect/Get: the result is a page to GET, so a reload asks for it again and sends nothing.
      return reply.redirect(`/casos/${c.postId}/${c.caseId}?ok=1&enviado=${encodeURIComponent(formKey)}`, 303);
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST')) throw err;
      // Everything typed comes back, under the same form key: nothing was sent, so the next try is still the first.
      return sendPage(req, reply, page(req, d, c, form, err.message), 400);
    }
  });
}

function page(req: FastifyRequest, d: ReviewDeps, c: HubCase, form?: Record<string, string>, error?: string) {
  const t = req.t;
  const body = c.body as Record<string, unknown>;
  const p = patientOf(body);
  const api = `/api/posts/${encodeURIComponent(c.postId)}/cases/${encodeURIComponent(c.caseId)}`;
  const photos = photosOf(c);
  const ecgs = c.attachments.filter((a) => a.mediaType === ECG);
  // Only the earlier cases this user may open themselves: a cardiologist sees no dermatology reason here.
  const earlier = earlierCases(reviewable(req, d.router, d.cases.list(1000)), c);
  const ok = (req.query as { ok?: string }).ok;
  const content = html`
    <section class="card"><h2>${t('review.patient')}</h2>
      <p>${patientLine(body)} · ${p.document?.kind ?? ''} ${p.document?.number ?? ''} · ${p.community ?? ''} · ${t('review.post')} ${c.postId}</p>
      <p><strong>${t('review.reason')}</strong> ${String(body.reason ?? '')}</p>
      <p><strong>${t('review.history')}</strong> ${String(body.history ?? '')}</p>
      ${earlier.length ? html`<p>${t('review.earlier')}: ${earlier.map((e) => html`<a href="/casos/${e.postId}/${e.caseId}">${when(req, e.receivedAt, { style: 'date' })} · ${String((e.body as { reason?: string }).reason ?? '')}</a> `)}</p>` : ''}
    </section>
    ${routingNote(req, d, c)}
    <section class="card"><h2>${t('review.vitals')}</h2>${vitalsTable(t, body)}</section>
    ${photos.length ? html`<section class="card"><h2>${t('review.photos')}</h2><div class="photos">${photos.map((a, i) => html`<a href="${photoPath(c, i + 1)}"><img src="${photoPath(c, i + 1)}/imagen" alt="${t('photo.alt', { n: i + 1, of: photos.length })}" loading="lazy"></a>`)}</div><p class="hint">${t('review.photoZoom')}</p></section>` : ''}
    ${ecgs.map((a) => html`<section class="card"><h2>ECG · ${a.name}</h2><div class="ecg-mount" data-src="${api}/attachments/${encodeURIComponent(a.name)}/ecg.json" data-words="${ecgViewerWords(t)}"></div></section>`)}
    <section><h2>${t('review.thread')}</h2>${threadView(t, d.threads.thread(c.postId, c.caseId), (at) => when(req, at))}</section>
    <section><h2>${t('review.answerTitle')}</h2>${answerForm(t, { action: `/casos/${c.postId}/${c.caseId}/respuesta`, draftKey: `${req.user!.username}/${c.postId}/${c.caseId}` }, form, error, diagnosisFields(t, form ?? {}, d.cie10))}</section>
    <p><a href="${api}/fhir">${t('review.fhir')}</a></p>`;
  return {
    title: t('review.title'), section: 'cases', body: content, scripts: ['ecg-viewer.js', 'review.js', 'cie10-field.js', 'answer-draft.js'],
    ...(ok ? { flash: { kind: 'ok' as const, text: t('review.sent') } } : {}),
  };
}

/** Why the case is here and every escalation it went through, so a late case's history is in plain sight. */
function routingNote(req: FastifyRequest, d: ReviewDeps, c: HubCase) {
  const t = req.t;
  const a = d.router.store.get(c.postId, c.caseId);
  if (!a) return '';
  const esc = d.router.store.escalations(c.postId, c.caseId);
  // Built-in rules have words in every language; a region's own rules show their English reason.
  const why = ['explicit', 'ecg', 'skinPhoto', 'obstetric', 'paediatric', 'default'].includes(a.rule) ? t(`review.rule.${a.rule}`) : a.reason;
  return html`<section class="card routing"><p>${t('review.routed', { specialty: t(`specialty.${a.specialty}`), reason: why })}</p>
    ${esc.length ? html`<ul class="escalations">${esc.map((e) => html`<li><span class="badge overdue">${t('review.escalated')}</span> ${when(req, e.at)} · ${e.from ?? t('queue.shared')} → ${e.to ?? '—'} · ${e.reason}</li>`)}</ul>` : ''}</section>`;
}

/** The form's one-time key (see answerForm); a form without one is refused, so no send escapes the check. */
function formKeyOf(f: Record<string, string>): string {
  const k = f.formKey ?? '';
  if (!isFormKey(k)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the form has no valid key; reload the page');
  return k;
}

/** The author is the signed-in account, never a form field: the post shows it as who signed. */
function counterReferenceOf(f: Record<string, string>, user: { displayName: string; username: string }, specialty: string): CounterReferenceInput {
  const base = { author: { name: user.displayName, username: user.username, specialty } };
  if (f.type === 'question') return { ...base, type: 'question', question: f.question ?? '' };
  const diagnoses = typedDiagnoses(f);
  const out: CounterReferenceInput = { ...base, type: 'answer', assessment: f.assessment ?? '' };
  if (diagnoses.length) out.diagnoses = diagnoses;
  if (f.treatment) out.treatment = f.treatment;
  if (f.recommendations) out.recommendations = f.recommendations;
  out.referral = f.refer ? { needed: true, where: f.referWhere ?? '', urgency: f.referUrgency === 'urgent' ? 'urgent' : 'routine' } : { needed: false };
  if (f.followUp) out.followUp = f.followUp;
  return out;
}
