/**
 * The HTML of a case: the draft's form (reason, history, priority,
 * specialty, vitals with errors and abnormal flags), its photos and ECGs,
 * and the read-only summary of a sent case with its progress. Rendering
 * only: case-pages.ts decides what to show.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SPECIALTIES, type CaseDraft } from '../../cases/case-drafts.js';
import { journeyFor, type Journey } from '../../cases/case-journey.js';
import { checkVitals, VITAL_FIELDS, VITAL_RULES, type VitalField, type VitalsCheck } from '../../cases/vitals.js';
import type { EcgRecordingView } from '../../ecg/ecg-recordings.js';
import type { Patient } from '../../patients/patient-store.js';
import { html, type Html } from '../../../lib/web/html.js';
import { keyInput } from '../../../lib/web/submission-keys.js';
import { sendPage } from '../layout.js';
import type { CasePagesDeps } from './case-pages.js';
import type { BridgeClient } from '../../devices/bridge-client.js';
import { bedsidePanel, fetchPorts } from './bedside-views.js';
import { field, journeyText, requiredLegend, select, textarea, when } from './form-fields.js';
import { fullName, notFound, okFlash } from './patient-pages.js';

/** Upload limits: shown in the forms, enforced by case-uploads.ts. */
export const MAX_FILE_MB = 25;
export const MAX_FILES = 10;

type Flash = { kind: 'ok' | 'error'; text: string };


export interface CasePageData {
  draft: CaseDraft;
  patient: Patient | undefined;
  photos: Array<{ id: string; name: string }>;
  ecgs: EcgRecordingView[];
  /** Recent recordings at the post not yet attached, for the "attach" select. */
  recentEcgs: EcgRecordingView[];
  journey: Journey;
  maxFileMb: number;
  /** The bedside devices' latest readings and the button that copies them into the vitals (bedside-views.ts). */
  bedside?: Html | '';
}

function vitalError(req: FastifyRequest, c: VitalsCheck, f: VitalField): string | undefined {
  const e = c.errors[f];
  return e ? req.t(e.code, e.params) : undefined;
}

function vitalsFields(req: FastifyRequest, draft: CaseDraft, c: VitalsCheck, bedside: Html | '' = ''): Html {
  const t = req.t;
  return html`<fieldset class="card" id="signos"><legend>${t('vitals.title')}</legend>
<p class="hint">${t('vitals.hint')}</p>
${bedside}
<div class="grid">${VITAL_FIELDS.map((f) => {
    const flag = c.flags[f];
    const after = flag ? html`<p class="field-flag ${flag}" id="${f}-note">${t(`vitals.flag.${flag}`)}</p>` : '';
    const numeric = VITAL_RULES[f].whole ? 'numeric' : 'decimal';
    return field({ name: f, label: t(`vitals.field.${f}`), hint: VITAL_RULES[f].unit, value: draft.vitals[f], error: vitalError(req, c, f), after, numeric, attrs: html` autocomplete="off"` });
  })}</div></fieldset>`;
}

/**
 * The draft's form holds the typed fields and "Save" (the first submit
 * button, so Enter in a field saves). Every other button on the page is
 * tied to it with form="draft", so an upload or a removal carries what was
 * typed; the fields come first in the page, so they come first in a
 * multipart body too. data-version lets draft-autosave.js tell whether the
 * copy kept in the phone is newer than the post's.
 */
function draftForm(req: FastifyRequest, d: CasePageData, c: VitalsCheck, errors: { reason?: string }): Html {
  const t = req.t;
  const id = d.draft.id;
  return html`<form method="post" action="/casos/${id}" id="draft" novalidate data-draft="${id}" data-version="${d.draft.updatedAt}" data-autosave="/casos/${id}/borrador"
 data-msg-saved="${t('cases.autosave.saved')}" data-msg-local="${t('cases.autosave.local')}" data-msg-restored="${t('cases.autosave.restored')}">
${keyInput()}
<div class="card">
${requiredLegend(t)}
${textarea({ name: 'reason', label: t('cases.field.reason'), value: d.draft.reason, error: errors.reason, required: true, hint: t('cases.hint.reason') })}
${textarea({ name: 'history', label: t('cases.field.history'), value: d.draft.history, hint: t('cases.hint.history') })}
<div class="grid">
${select({ name: 'priority', label: t('cases.field.priority'), value: d.draft.priority, options: [{ value: 'routine', label: t('cases.priority.routine') }, { value: 'urgent', label: t('cases.priority.urgent') }] })}
${select({ name: 'specialty', label: t('cases.field.specialty'), value: d.draft.specialty ?? '', hint: t('cases.hint.specialty'), options: [{ value: '', label: t('cases.specialty.any') }, ...SPECIALTIES.map((s) => ({ value: s, label: t(`cases.specialty.${s}`) }))] })}
</div></div>
${vitalsFields(req, d.draft, c, d.bedside)}
<button>${t('cases.saveDraft')}</button> <span class="hint" id="autosave-status" role="status" aria-live="polite"></span>
</form>`;
}

function sendBlock(req: FastifyRequest, id: string): Html {
  return html`<div class="card"><button form="draft" formaction="/casos/${id}/enviar" class="send">${req.t('cases.send')}</button>
<p class="hint">${req.t('cases.hint.send')}</p></div>`;
}

function photoSection(req: FastifyRequest, d: CasePageData, editable: boolean): Html {
  const t = req.t;
  const id = d.draft.id;
  const thumbs = d.photos.map((p) => html`<figure><a href="/fotos/${p.id}"><img src="/fotos/${p.id}/miniatura" alt="${p.name}" loading="lazy"></a>
<figcaption>${p.name}${editable ? html` <button form="draft" formaction="/casos/${id}/fotos/${p.id}/quitar" class="secondary">${t('cases.photo.remove')}</button>` : ''}</figcaption></figure>`);
  return html`<section class="card" id="fotos"><h2>${t('cases.photos')}</h2>
${d.photos.length ? html`<div class="thumbs">${thumbs}</div>` : html`<p class="muted">${t('cases.photo.none')}</p>`}
${editable ? html`<label for="f-photos">${t('cases.photo.add')} <span class="hint">${t('cases.photo.hint', { mb: d.maxFileMb })}</span></label>
<input id="f-photos" name="photos" type="file" accept="image/*" multiple form="draft">
<button form="draft" formaction="/casos/${id}/fotos" formenctype="multipart/form-data" class="secondary">${t('cases.photo.upload')}</button>` : ''}
</section>`;
}

function ecgLabel(req: FastifyRequest, r: EcgRecordingView): string {
  return req.t('cases.ecg.summary', { source: r.source, seconds: Math.round(r.durationS), leads: r.leads.join(' '), date: when(req, r.createdAt) });
}

function ecgForms(req: FastifyRequest, d: CasePageData): Html {
  const t = req.t;
  const id = d.draft.id;
  return html`${d.recentEcgs.length ? html`<div>
<label for="f-recordingId">${t('cases.ecg.attachRecent')}</label>
<select id="f-recordingId" name="recordingId" form="draft">${d.recentEcgs.map((r) => html`<option value="${r.id}">${ecgLabel(req, r)}</option>`)}</select>
<button form="draft" formaction="/casos/${id}/ecg" class="secondary">${t('cases.ecg.attach')}</button></div>` : ''}
<div>
<label for="f-ecgfile">${t('cases.ecg.upload')} <span class="hint" id="ecgfile-hint">${t('cases.ecg.uploadHint')}</span></label>
<input id="f-ecgfile" name="ecg" type="file" multiple aria-describedby="ecgfile-hint" form="draft">
<button form="draft" formaction="/casos/${id}/ecg" formenctype="multipart/form-data" class="secondary">${t('cases.ecg.import')}</button></div>
<p><button form="draft" formaction="/casos/${id}/grabar-ecg" class="secondary">${t('cases.ecg.record')}</button></p>`;
}

function ecgSection(req: FastifyRequest, d: CasePageData, editable: boolean): Html {
  const t = req.t;
  const id = d.draft.id;
  const items = d.ecgs.map((r) => html`<li>${ecgLabel(req, r)}${editable ? html` <button form="draft" formaction="/casos/${id}/ecg/${r.id}/quitar" class="secondary">${t('cases.ecg.remove')}</button>` : ''}</li>`);
  return html`<section class="card" id="ecg"><h2>${t('cases.ecg.title')}</h2>
${d.ecgs.length ? html`<ul>${items}</ul>` : html`<p class="muted">${t('cases.ecg.none')}</p>`}
${editable ? ecgForms(req, d) : ''}
</section>`;
}

export function statusBlock(req: FastifyRequest, caseId: string, j: Journey): Html {
  const live = j.state === 'waiting' || j.state === 'sending';
  return html`<div class="card" id="case-status" data-url="/casos/${caseId}/estado.json" data-live="${live ? '1' : '0'}" aria-live="polite">
<progress max="100" value="${j.percent}">${j.percent} %</progress>
<p class="status-text">${journeyText(req, j)}</p>
${j.answerHref ? html`<p><a class="button" href="${j.answerHref}">${req.t('cases.readAnswer')}</a></p>` : ''}</div>`;
}

function sentSummary(req: FastifyRequest, d: CasePageData): Html {
  const t = req.t;
  const c = checkVitals(d.draft.vitals);
  const vitals = VITAL_FIELDS.filter((f) => c.values[f] !== undefined).map((f) => {
    const flag = c.flags[f];
    return html`<li>${t(`vitals.field.${f}`)}: ${c.values[f]} ${VITAL_RULES[f].unit}${flag ? html` <strong class="field-flag ${flag}">${t(`vitals.flag.${flag}`)}</strong>` : ''}</li>`;
  });
  return html`${statusBlock(req, d.draft.id, d.journey)}
<dl class="card">
<dt>${t('cases.field.reason')}</dt><dd>${d.draft.reason}</dd>
<dt>${t('cases.field.history')}</dt><dd>${d.draft.history || t('common.none')}</dd>
<dt>${t('cases.field.priority')}</dt><dd>${t(`cases.priority.${d.draft.priority}`)}</dd>
<dt>${t('cases.field.specialty')}</dt><dd>${t(`cases.specialty.${d.draft.specialty ?? 'any'}`)}</dd>
<dt>${t('vitals.title')}</dt><dd>${vitals.length ? html`<ul>${vitals}</ul>` : t('common.none')}</dd>
<dt>${t('cases.sentAt')}</dt><dd>${when(req, d.draft.sentAt)}</dd>
</dl>`;
}

export function casePage(req: FastifyRequest, d: CasePageData, errors: { reason?: string } = {}): Html {
  const t = req.t;
  const p = d.patient;
  const who = p ? html`<p>${t('cases.patient')}: <a href="/pacientes/${p.id}">${p.surnames}, ${p.names}</a> · ${t(`patients.docKind.${p.docKind}`)} ${p.docNumber}</p>` : '';
  const editable = d.draft.state === 'draft';
  // A draft reads top to bottom as the nurse works: what she types, what she attaches, then send.
  if (editable) return html`${who}${draftForm(req, d, checkVitals(d.draft.vitals), errors)}${photoSection(req, d, true)}${ecgSection(req, d, true)}${sendBlock(req, d.draft.id)}`;
  return html`${who}${sentSummary(req, d)}${photoSection(req, d, false)}${ecgSection(req, d, false)}`;
}

const FLASHES: Record<string, string> = {
  created: 'cases.flash.created', saved: 'cases.flash.saved', sent: 'cases.flash.sent',
  deviceVitals: 'bedside.flash.used', photos: 'cases.flash.photos', attached: 'cases.flash.attached', photoRemoved: 'cases.flash.photoRemoved', ecg: 'cases.flash.ecg', ecgRemoved: 'cases.flash.ecgRemoved',
};

/** Renders a case page (draft form or sent summary); shared with the upload routes for their error pages. */
export async function renderCase(req: FastifyRequest, reply: FastifyReply, d: CasePagesDeps & { bridge?: BridgeClient }, id: string, o: { status?: number; flash?: Flash; errors?: { reason?: string } } = {}): Promise<FastifyReply> {
  const draft = d.drafts.get(id);
  if (!draft) return notFound(req, reply);
  const bedside = draft.state === 'draft' && d.bridge ? bedsidePanel(req, id, await fetchPorts(d.bridge), d.clock.now()) : '';
  const patient = d.patients.get(draft.patientId);
  const photos = draft.photoIds.map((pid) => ({ id: pid, name: d.photos.get(pid)?.name ?? pid }));
  const ecgs = draft.ecgIds.map((rid) => d.recordings.get(rid)).filter((r) => r !== undefined);
  const recentEcgs = d.recordings.list(20).filter((r) => !draft.ecgIds.includes(r.id));
  const data = { draft, patient, photos, ecgs, recentEcgs, journey: journeyFor(d, id), maxFileMb: MAX_FILE_MB, bedside };
  const title = patient ? req.t('cases.titleFor', { name: fullName(patient) }) : req.t('cases.title');
  const flash = o.flash ?? okFlash(req, FLASHES);
  return sendPage(req, reply, { title, body: casePage(req, data, o.errors), section: 'cases', flash, scripts: draft.state === 'sent' ? ['case-status.js'] : ['draft-autosave.js'] }, o.status ?? 200);
}


