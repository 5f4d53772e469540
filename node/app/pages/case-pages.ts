/**
 * Cases in the nurse app: open a draft for a patient, fill it in, send it,
 * follow it. Sending is idempotent (the draft id is the case id), so a double
 * click or a retried POST never makes two cases. Photos and ECGs have their
 * own routes (case-uploads.ts) registered in this same scope.
 */
import { recordAccess } from '../../auth/access-record.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { isChasquiError } from '../../../lib/errors.js';
import type { CaseDrafts } from '../../cases/case-drafts.js';
import { journeyFor, type JourneyDeps } from '../../cases/case-journey.js';
import { checkVitals, hasErrors } from '../../cases/vitals.js';
import type { EcgRecordingStore } from '../../ecg/ecg-recordings.js';
import type { PatientStore } from '../../patients/patient-store.js';
import { html, type Html } from '../../../lib/web/html.js';
import { formKey, type SubmissionKeys } from '../../../lib/web/submission-keys.js';
import { sendPage } from '../layout.js';
import { renderCase } from './case-views.js';
import { caseUploads, type PhotoLibrary } from './case-uploads.js';
import { draftFields, saveTyped } from './draft-form.js';
import { formBody, journeyText, when, withZone } from './form-fields.js';
import { fullName, notFound } from './patient-pages.js';

export type CasePagesDeps = JourneyDeps & {
  patients: PatientStore;
  drafts: CaseDrafts;
  photos: PhotoLibrary;
  recordings: EcgRecordingStore;
  clock: Clock;
  submissions: SubmissionKeys;
};

type IdParams = { Params: { id: string } };

function caseRow(req: FastifyRequest, d: CasePagesDeps, c: { id: string; at: string; reason: string; priority: string; patient: string; patientId?: string; draft: boolean }): Html {
  const j = journeyFor(d, c.id);
  const state = c.draft ? req.t('cases.state.draft') : journeyText(req, j);
  return html`<tr><td>${when(req, c.at, { label: false })}</td>
<td>${c.patientId ? html`<a href="/pacientes/${c.patientId}">${c.patient}</a>` : c.patient}</td>
<td>${c.patientId ? html`<a href="/casos/${c.id}">${c.reason || req.t('cases.noReasonYet')}</a>` : c.reason}${c.priority === 'urgent' ? html` <span class="badge urgent">${req.t('cases.priority.urgent')}</span>` : ''}</td>
<td>${c.draft ? html`<span class="badge">${state}</span>` : html`<progress max="100" value="${j.percent}">${j.percent} %</progress> ${state}`}</td></tr>`;
}

/** Every case at the post, newest first: drafts from here, plus any case sent through the JSON API. */
function caseTable(req: FastifyRequest, d: CasePagesDeps): Html {
  const drafts = d.drafts.list();
  const known = new Set(drafts.map((x) => x.id));
  type Row = Parameters<typeof caseRow>[2];
  const rows = drafts.map((x): Row => {
    const p = d.patients.get(x.patientId);
    return { id: x.id, at: x.sentAt ?? x.createdAt, reason: x.reason, priority: x.priority, patient: p ? fullName(p) : '', patientId: p?.id, draft: x.state === 'draft' };
  });
  for (const v of d.cases.list()) {
    if (known.has(v.caseId)) continue;
    const body = v.body as { reason?: unknown };
    rows.push({ id: v.caseId, at: v.createdAt, reason: typeof body.reason === 'string' ? body.reason : '', priority: v.priority, patient: '', patientId: undefined, draft: false });
  }
  rows.sort((a, b) => b.at.localeCompare(a.at));
  const t = req.t;
  if (rows.length === 0) return html`<p class="muted">${t('cases.none')}</p>`;
  return html`<table><thead><tr><th>${withZone(req, t('cases.col.date'))}</th><th>${t('cases.patient')}</th><th>${t('cases.field.reason')}</th><th>${t('cases.col.status')}</th></tr></thead>
<tbody>${rows.map((r) => caseRow(req, d, r))}</tbody></table>`;
}

/** Why a send was refused, in the nurse's words; undefined for a fault that is not hers to fix. */
function sendRefusal(err: unknown): string | undefined {
  if (isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST') && typeof err.details?.reason === 'string') return err.details.reason;
  if (isChasquiError(err, 'CHASQUI_ERR_BUNDLE_TOO_LARGE')) return 'cases.error.tooLarge';
  if (isChasquiError(err, 'CHASQUI_ERR_DISK_FULL')) return 'cases.error.diskFull';
  return undefined;
}

export async function casePages(app: FastifyInstance, d: CasePagesDeps): Promise<void> {
  app.addHook('preHandler', app.requireNurse);
  const actor = (req: FastifyRequest): string => req.nurse!.username;

  app.post<IdParams>('/pacientes/:id/casos', async (req, reply) => {
    if (!d.patients.get(req.params.id)) return notFound(req, reply);
    // "Nuevo caso" tapped twice, or the answer lost and the POST retried: one draft, the first one.
    const { target, created } = d.submissions.once('case.create', formKey(req.body), () => d.drafts.create(req.params.id, req.nurse!).id);
    if (created) recordAccess(req, { action: 'case.create', target, detail: { patient: req.params.id } });
    return reply.redirect(`/casos/${target}?ok=created`, 303);
  });

  app.get('/casos', async (req, reply) => {
    recordAccess(req, { action: 'case.list' });
    return sendPage(req, reply, { title: req.t('cases.title'), body: caseTable(req, d), section: 'cases' });
  });

  app.get<IdParams>('/casos/:id', async (req, reply) => {
    if (d.drafts.get(req.params.id)) recordAccess(req, { action: 'case.view', target: req.params.id });
    return renderCase(req, reply, d, req.params.id);
  });

  app.post<IdParams>('/casos/:id', async (req, reply) => {
    const id = req.params.id;
    const draft = d.drafts.get(id);
    if (!draft) return notFound(req, reply);
    if (draft.state !== 'draft') return reply.redirect(`/casos/${id}`, 303);
    const fields = draftFields(formBody(req.body));
    d.drafts.save(id, fields);
    recordAccess(req, { action: 'case.update', target: id });
    if (hasErrors(checkVitals(fields.vitals))) {
      return renderCase(req, reply, d, id, { status: 400, flash: { kind: 'error', text: req.t('cases.flash.vitalsErrors') } });
    }
    return reply.redirect(`/casos/${id}?ok=saved`, 303);
  });

  // Autosave while the nurse types (public/draft-autosave.js): JSON, so the page stays as it is.
  app.post<IdParams>('/casos/:id/borrador', async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return reply.status(404).header('cache-control', 'no-store').send({ saved: false });
    const body = formBody(req.body);
    // Saved since this page was built (a button, another tab): the older page must not overwrite it.
    const stale = typeof body.base === 'string' && body.base !== draft.updatedAt;
    const saved = draft.state === 'draft' && !stale && saveTyped(d.drafts, draft.id, body);
    if (saved) recordAccess(req, { action: 'case.update', target: draft.id, detail: { autosave: true } });
    return reply.status(saved ? 200 : 409).header('cache-control', 'no-store').send({ saved, stale, version: d.drafts.get(draft.id)!.updatedAt });
  });

  // "Grabar un ECG ahora" leaves for the capture page: what was typed is saved on the way.
  app.post<IdParams>('/casos/:id/grabar-ecg', async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return notFound(req, reply);
    if (draft.state === 'draft' && saveTyped(d.drafts, draft.id, formBody(req.body))) recordAccess(req, { action: 'case.update', target: draft.id });
    return reply.redirect(draft.state === 'draft' ? `/casos/${draft.id}/ecg` : `/casos/${draft.id}`, 303);
  });

  app.post<IdParams>('/casos/:id/enviar', async (req, reply) => {
    const id = req.params.id;
    const draft = d.drafts.get(id);
    if (!draft) return notFound(req, reply);
    // The Send button belongs to the draft's form: what is on screen is saved first, then sent.
    if (draft.state === 'draft') saveTyped(d.drafts, id, formBody(req.body));
    try {
      const { view, created } = d.drafts.send(id, req.nurse!);
      if (created) recordAccess(req, { action: 'case.send', target: id, detail: { bundle: view.bundleId, bytes: view.bundleSize } });
      return reply.redirect(`/casos/${id}?ok=sent`, 303);
    } catch (err) {
      const reason = sendRefusal(err);
      if (!reason) throw err;
      const errors = reason === 'cases.error.noReason' ? { reason: req.t('cases.error.required') } : {};
      return renderCase(req, reply, d, id, { status: 400, flash: { kind: 'error', text: req.t(reason) }, errors });
    }
  });

  app.get<IdParams>('/casos/:id/estado.json', async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    const j = journeyFor(d, req.params.id);
    if (!draft && j.state === 'draft') return notFound(req, reply);
    return reply.header('cache-control', 'no-store').send({ ...j, label: journeyText(req, j) });
  });

  await caseUploads(app, d);
}
