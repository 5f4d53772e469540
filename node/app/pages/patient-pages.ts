/**
 * Patients: find (accent-insensitive), register, see, correct. Every view
 * and change is written to the access log (Law 29733). A form with errors
 * comes back with what was typed and each error beside its field.
 */
import { recordAccess, shownIds } from '../../auth/access-record.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import type { CaseDrafts } from '../../cases/case-drafts.js';
import { journeyFor, type JourneyDeps } from '../../cases/case-journey.js';
import { ageYears, DOC_KINDS, SEXES, validatePatient, type FieldErrors, type Patient, type PatientStore } from '../../patients/patient-store.js';
import { html, type Html } from '../../../lib/web/html.js';
import { formKey, keyInput, type SubmissionKeys } from '../../../lib/web/submission-keys.js';
import { sendPage } from '../layout.js';
import { field, formBody, journeyBadge, requiredLegend, select, when, withZone } from './form-fields.js';

export type PatientPagesDeps = JourneyDeps & { patients: PatientStore; drafts: CaseDrafts; clock: Clock; submissions: SubmissionKeys };

type IdParams = { Params: { id: string } };
const FLASHES: Record<string, string> = { created: 'patients.flash.created', updated: 'patients.flash.updated' };
/** Switches the document number's keyboard with the document kind (a DNI is digits; a CE has letters). */
const FORM_SCRIPTS = ['doc-keyboard.js'];

export function fullName(p: Pick<Patient, 'names' | 'surnames'>): string {
  return `${p.surnames}, ${p.names}`;
}

export function okFlash(req: FastifyRequest, keys: Record<string, string>): { kind: 'ok'; text: string } | undefined {
  const ok = (req.query as { ok?: string } | undefined)?.ok;
  const key = ok ? keys[ok] : undefined;
  return key ? { kind: 'ok', text: req.t(key) } : undefined;
}

export function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(req, reply, { title: req.t('error.notFound'), body: html`<p><a href="/pacientes">${req.t('common.back')}</a></p>` }, 404);
}

/** `creating`: the new-patient form, which carries an idempotency key (kept when the form comes back with errors). */
function patientForm(req: FastifyRequest, action: string, v: Record<string, unknown>, errors: FieldErrors, creating = false): Html {
  const t = req.t;
  const s = (k: string): string => (typeof v[k] === 'string' || typeof v[k] === 'number' ? String(v[k]) : '');
  const e = (k: keyof FieldErrors): string | undefined => (errors[k] ? t(errors[k]!) : undefined);
  const docKind = s('docKind') || 'DNI';
  return html`<form method="post" action="${action}" class="card" novalidate>
${creating ? keyInput(formKey(v)) : ''}
${requiredLegend(t)}
<div class="grid">
${field({ name: 'names', label: t('patients.field.names'), value: s('names'), error: e('names'), required: true, attrs: html` autocomplete="off"` })}
${field({ name: 'surnames', label: t('patients.field.surnames'), value: s('surnames'), error: e('surnames'), required: true, attrs: html` autocomplete="off"` })}
</div>
<div class="grid">
${select({ name: 'docKind', label: t('patients.field.docKind'), value: docKind, error: e('docKind'), required: true, options: DOC_KINDS.map((k) => ({ value: k, label: t(`patients.docKind.${k}`) })) })}
${field({ name: 'docNumber', label: t('patients.field.docNumber'), value: s('docNumber'), error: e('docNumber'), hint: t('patients.hint.docNumber'), required: true, ...(docKind === 'DNI' ? { numeric: 'numeric' as const } : {}), attrs: html` autocomplete="off" data-numeric-when="DNI"` })}
</div>
<div class="grid">
${field({ name: 'birthDate', label: t('patients.field.birthDate'), value: s('birthDate'), error: e('birthDate'), type: 'date' })}
${field({ name: 'estimatedAgeYears', label: t('patients.field.estimatedAge'), value: s('estimatedAgeYears'), error: e('estimatedAgeYears'), hint: t('patients.hint.estimatedAge'), numeric: 'numeric' })}
${select({ name: 'sex', label: t('patients.field.sex'), value: s('sex'), error: e('sex'), required: true, options: [{ value: '', label: t('patients.choose') }, ...SEXES.map((x) => ({ value: x, label: t(`patients.sex.${x}`) }))] })}
</div>
<div class="grid">
${field({ name: 'community', label: t('patients.field.community'), value: s('community'), error: e('community'), hint: t('patients.hint.community'), required: true })}
${field({ name: 'phone', label: t('patients.field.phone'), value: s('phone'), error: e('phone'), type: 'tel', attrs: html` inputmode="tel" autocomplete="off"`, hint: t('patients.hint.optional') })}
</div>
<button>${t('common.save')}</button> <a class="button secondary" href="/pacientes">${t('common.cancel')}</a>
</form>`;
}

function patientRow(req: FastifyRequest, p: Patient, now: Date): Html {
  const age = ageYears(p, now);
  return html`<tr><td><a href="/pacientes/${p.id}">${fullName(p)}</a></td><td>${req.t(`patients.docKind.${p.docKind}`)} ${p.docNumber}</td>
<td>${age === null ? '' : req.t('patients.ageYears', { age })}</td><td>${p.community}</td></tr>`;
}

function patientTable(req: FastifyRequest, list: Patient[], now: Date): Html {
  const t = req.t;
  if (list.length === 0) return html`<p class="muted">${t('patients.noneFound')}</p>`;
  return html`<table><thead><tr><th>${t('patients.col.name')}</th><th>${t('patients.col.document')}</th><th>${t('patients.col.age')}</th><th>${t('patients.field.community')}</th></tr></thead>
<tbody>${list.map((p) => patientRow(req, p, now))}</tbody></table>`;
}

function details(req: FastifyRequest, p: Patient, now: Date): Html {
  const t = req.t;
  const age = ageYears(p, now);
  const ageText = age === null ? '' : t(p.birthDate ? 'patients.ageYears' : 'patients.ageEstimated', { age });
  return html`<dl class="card">
<dt>${t('patients.col.document')}</dt><dd>${t(`patients.docKind.${p.docKind}`)} ${p.docNumber}</dd>
<dt>${t('patients.col.age')}</dt><dd>${ageText}${p.birthDate ? html` <span class="muted">(${p.birthDate})</span>` : ''}</dd>
<dt>${t('patients.field.sex')}</dt><dd>${t(`patients.sex.${p.sex}`)}</dd>
<dt>${t('patients.field.community')}</dt><dd>${p.community}</dd>
<dt>${t('patients.field.phone')}</dt><dd>${p.phone ?? t('common.none')}</dd>
</dl>
<p><a class="button secondary" href="/pacientes/${p.id}/editar">${t('patients.edit')}</a></p>`;
}

function caseList(req: FastifyRequest, d: PatientPagesDeps, p: Patient): Html {
  const t = req.t;
  const drafts = d.drafts.forPatient(p.id);
  const rows = drafts.map((c) => {
    const j = journeyFor(d, c.id);
    return html`<tr><td>${when(req, c.sentAt ?? c.createdAt, { label: false })}</td><td><a href="/casos/${c.id}">${c.reason || t('cases.noReasonYet')}</a></td>
<td>${c.state === 'draft' ? html`<span class="badge">${t('cases.state.draft')}</span>` : journeyBadge(req, j)}${j.answerHref ? html` <a href="${j.answerHref}">${t('cases.readAnswer')}</a>` : ''}</td></tr>`;
  });
  return html`<h2>${t('patients.cases')}</h2>
<form method="post" action="/pacientes/${p.id}/casos">${keyInput()}<button>${t('patients.newCase')}</button></form>
${drafts.length ? html`<table><thead><tr><th>${withZone(req, t('cases.col.date'))}</th><th>${t('cases.field.reason')}</th><th>${t('cases.col.status')}</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p class="muted">${t('patients.noCases')}</p>`}`;
}

export async function patientPages(app: FastifyInstance, d: PatientPagesDeps): Promise<void> {
  app.addHook('preHandler', app.requireNurse);
  const now = (): Date => new Date(d.clock.now());
  const actor = (req: FastifyRequest): string => req.nurse!.username;

  app.get<{ Querystring: { q?: string } }>('/pacientes', async (req, reply) => {
    const t = req.t;
    const q = (req.query.q ?? '').trim().slice(0, 100);
    const list = q ? d.patients.search(q) : d.patients.recent(20);
    // Which rows were shown, not what was typed: a search is a name or a DNI, and the log must not become a second register.
    recordAccess(req, { action: q ? 'patient.search' : 'patient.list', detail: shownIds(list) });
    const body = html`<form method="get" action="/pacientes" class="card" role="search">
<label for="f-q">${t('patients.searchLabel')} <span class="hint">${t('patients.searchHint')}</span></label>
<input id="f-q" name="q" type="search" value="${q}" autocomplete="off"> <button>${t('common.search')}</button>
</form>
<p><a class="button" href="/pacientes/nuevo">${t('patients.new')}</a></p>
<h2>${q ? t('patients.results', { count: list.length }) : t('patients.recent')}</h2>
${patientTable(req, list, now())}`;
    return sendPage(req, reply, { title: t('patients.title'), body, section: 'patients' });
  });

  app.get('/pacientes/nuevo', async (req, reply) =>
    sendPage(req, reply, { title: req.t('patients.new'), body: patientForm(req, '/pacientes', {}, {}, true), section: 'patients', scripts: FORM_SCRIPTS }));

  app.post('/pacientes', async (req, reply) => {
    const raw = formBody(req.body);
    const v = validatePatient(raw, now());
    let refused: FieldErrors | undefined;
    // A reload or a double tap of a form already accepted goes to the patient it registered (its DNI is now "taken" by it).
    const { target, created } = d.submissions.once('patient.create', formKey(raw), () => {
      const res = v.ok ? d.patients.create(v.value, actor(req), now()) : v;
      if (res.ok) return res.patient.id;
      refused = res.errors;
      return undefined;
    });
    if (!target) {
      const flash = { kind: 'error' as const, text: req.t('patients.fixErrors') };
      return sendPage(req, reply, { title: req.t('patients.new'), body: patientForm(req, '/pacientes', raw, refused ?? {}, true), section: 'patients', flash, scripts: FORM_SCRIPTS }, 400);
    }
    if (created) recordAccess(req, { action: 'patient.create', target });
    return reply.redirect(`/pacientes/${target}?ok=created`, 303);
  });

  app.get<IdParams>('/pacientes/:id', async (req, reply) => {
    const p = d.patients.get(req.params.id);
    if (!p) return notFound(req, reply);
    recordAccess(req, { action: 'patient.view', target: p.id });
    const body = html`${details(req, p, now())}${caseList(req, d, p)}`;
    return sendPage(req, reply, { title: fullName(p), body, section: 'patients', flash: okFlash(req, FLASHES) });
  });

  app.get<IdParams>('/pacientes/:id/editar', async (req, reply) => {
    const p = d.patients.get(req.params.id);
    if (!p) return notFound(req, reply);
    recordAccess(req, { action: 'patient.view', target: p.id, detail: { form: 'edit' } });
    // The estimate is re-based on every save (it ages from updatedAt), so the form offers today's age.
    const values = { ...p, estimatedAgeYears: p.birthDate ? '' : ageYears(p, now()) ?? '' };
    return sendPage(req, reply, { title: req.t('patients.edit'), body: patientForm(req, `/pacientes/${p.id}/editar`, values, {}), section: 'patients', scripts: FORM_SCRIPTS });
  });

  app.post<IdParams>('/pacientes/:id/editar', async (req, reply) => {
    if (!d.patients.get(req.params.id)) return notFound(req, reply);
    const raw = formBody(req.body);
    const v = validatePatient(raw, now());
    const res = v.ok ? d.patients.update(req.params.id, v.value, actor(req), now())! : v;
    if (!res.ok) {
      const flash = { kind: 'error' as const, text: req.t('patients.fixErrors') };
      return sendPage(req, reply, { title: req.t('patients.edit'), body: patientForm(req, `/pacientes/${req.params.id}/editar`, raw, res.errors), section: 'patients', flash, scripts: FORM_SCRIPTS }, 400);
    }
    recordAccess(req, { action: 'patient.update', target: req.params.id });
    return reply.redirect(`/pacientes/${req.params.id}?ok=updated`, 303);
  });
}
