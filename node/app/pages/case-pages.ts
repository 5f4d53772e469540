/**
 * Cases in the nurse app: open a draft for a patient, fill it in, send it,
 * follow it. Sending is idempotent (the draft id is the case id), so a double
 * click or a retried POST never makes two cases. Photos and ECGs have their
 * own routes (case-uploads.ts) registered in this same scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { isChasquiError } from '../../../lib/errors.js';
import { SPECIALTIES, type CaseDrafts, type DraftFields } from '../../cases/case-drafts.js';
import { journeyFor, type JourneyDeps } from '../../cases/case-journey.js';
import { checkVitals, hasErrors, vitalsFromForm } from '../../cases/vitals.js';
import type { EcgRecordingStore } from '../../ecg/ecg-recordings.js';
import type { PatientStore } from '../../patients/patient-store.js';
import { html, type Html } from '../../../lib/web/html.js';
import { sendPage } from '../layout.js';
import { renderCase } from './case-views.js';
import { caseUploads, type PhotoLibrary } from './case-uploads.js';
import { formBody, journeyText, when } from './form-fields.js';
import { fullName, notFound } from './patient-pages.js';

export type CasePagesDeps = JourneyDeps & {
  patients: PatientStore;
  drafts: CaseDrafts;
  photos: PhotoLibrary;
  recordings: EcgRecordingStore;
  clock: Clock;
};

type IdParams = { Params: { id: string } };

export function draftFields(body: Record<string, unknown>): DraftFields {
  const s = (k: string, max: number): string => (typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, max) : '');
  const specialty = SPECIALTIES.find((x) => x === body.specialty) ?? null;
  return { reason: s('reason', 2000), history: s('history', 8000), priority: body.priority === 'urgent' ? 'urgent' : 'routine', specialty, vitals: vitalsFromForm(body) };
}

function caseRow(req: FastifyRequest, d: CasePagesDeps, c: { id: string; at: string; reason: string; priority: string; patient: string; patientId?: string; draft: boolean }): Html {
  const j = journeyFor(d, c.id);
  const state = c.draft ? req.t('cases.state.draft') : journeyText(req, j);
  return html`<tr><td>${when(req, c.at)}</td>
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
  return html`<table><thead><tr><th>${t('cases.col.date')}</th><th>${t('cases.patient')}</th><th>${t('cases.field.reason')}</th><th>${t('cases.col.status')}</th></tr></thead>
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
    const draft = d.drafts.create(req.params.id, req.nurse!);
    app.audit.record({ actor: actor(req), action: 'case.create', target: draft.id, detail: { patient: req.params.id } });
    return reply.redirect(`/casos/${draft.id}?ok=created`, 303);
  });

  app.get('/casos', async (req, reply) => {
    app.audit.record({ actor: actor(req), action: 'case.list' });
    return sendPage(req, reply, { title: req.t('cases.title'), body: caseTable(req, d), section: 'cases' });
  });

  app.get<IdParams>('/casos/:id', async (req, reply) => {
    if (d.drafts.get(req.params.id)) app.audit.record({ actor: actor(req), action: 'case.view', target: req.params.id });
    return renderCase(req, reply, d, req.params.id);
  });

  app.post<IdParams>('/casos/:id', async (req, reply) => {
    const id = req.params.id;
    const draft = d.drafts.get(id);
    if (!draft) return notFound(req, reply);
    if (draft.state !== 'draft') return reply.redirect(`/casos/${id}`, 303);
    const fields = draftFields(formBody(req.body));
    d.drafts.save(id, fields);
    app.audit.record({ actor: actor(req), action: 'case.update', target: id });
    if (hasErrors(checkVitals(fields.vitals))) {
      return renderCase(req, reply, d, id, { status: 400, flash: { kind: 'error', text: req.t('cases.flash.vitalsErrors') } });
    }
    return reply.redirect(`/casos/${id}?ok=saved`, 303);
  });

  app.post<IdParams>('/casos/:id/enviar', async (req, reply) => {
    const id = req.params.id;
    const draft = d.drafts.get(id);
    if (!draft) return notFound(req, reply);
    // The Send button belongs to the draft's form: what is on screen is saved first, then sent.
    if (draft.state === 'draft' && req.body) d.drafts.save(id, draftFields(formBody(req.body)));
    try {
      const { view, created } = d.drafts.send(id, req.nurse!);
      if (created) app.audit.record({ actor: actor(req), action: 'case.send', target: id, detail: { bundle: view.bundleId, bytes: view.bundleSize } });
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
