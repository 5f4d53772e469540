/**
 * Devices for the nurse: what is plugged in and its latest numbers (SpO2,
 * pulse, blood pressure first, the live ECG trace after), the ECG capture
 * of a case — a live trace to place the electrodes by, then N seconds
 * recorded and checked before it is attached — and the button that copies
 * the bedside readings into a draft's vitals. A capture the quality check
 * refuses says which lead and what to do, at the patient's side.
 */
import { recordAccess } from '../../auth/access-record.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { isChasquiError, type ChasquiError } from '../../../lib/errors.js';
import type { CaseDrafts } from '../../cases/case-drafts.js';
import { vitalsFromBedside, type BedsideRefusal, type BridgePort } from '../../devices/bedside-readings.js';
import type { BridgeClient } from '../../devices/bridge-client.js';
import { captureEcg, ECG_PROTOCOLS } from '../../ecg/ecg-capture.js';
import type { EcgRecordingStore } from '../../ecg/ecg-recordings.js';
import { html, type Html } from '../../../lib/web/html.js';
import { sendPage } from '../layout.js';
import { bedsideFrom, bedsideReadings, deviceName, fetchPorts, portState } from './bedside-views.js';
import type { CasePagesDeps } from './case-pages.js';
import { draftFields } from './draft-form.js';
import { renderCase } from './case-views.js';
import { formBody } from './form-fields.js';

export type DevicePagesDeps = CasePagesDeps & {
  bridge: BridgeClient;
  recordings: EcgRecordingStore;
  drafts: CaseDrafts;
  clock: Clock;
};

type Problem = { code: string; lead?: string; severity: string };
type IdParams = { Params: { id: string } };

/** How long a recording may be, as the nurse chooses it. */
const CAPTURE_CHOICES = [10, 30, 60];

export function devicePages(app: FastifyInstance, d: DevicePagesDeps): void {
  const guard = { preHandler: app.requireNurse };

  app.get('/dispositivos', guard, async (req, reply) => {
    const t = req.t;
    const ports = await fetchPorts(d.bridge);
    const body = ports === undefined ? html`<p class="error">${t('devices.bridgeDown')}</p>` : devicesBody(req, ports, d.clock.now());
    return sendPage(req, reply, { title: t('devices.title'), section: 'devices', body });
  });

  app.get<IdParams>('/casos/:id/ecg', guard, async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return reply.callNotFound();
    recordAccess(req, { action: 'case.view', target: draft.id, detail: { page: 'ecg' } });
    return sendPage(req, reply, await capturePage(req, d, draft.id));
  });

  app.post<{ Params: { id: string }; Body: { device?: string; seconds?: string } }>('/casos/:id/ecg/captura', guard, async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return reply.callNotFound();
    const t = req.t;
    const seconds = Math.min(60, Math.max(10, Number(req.body?.seconds) || 10));
    try {
      const rec = await captureEcg(d, String(req.body?.device ?? ''), seconds);
      d.drafts.addEcg(draft.id, rec.id);
      recordAccess(req, { action: 'ecg.capture', target: draft.id, detail: { recording: rec.id, seconds } });
      return reply.redirect(`/casos/${draft.id}?ok=ecg`, 303);
    } catch (err) {
      if (!isChasquiError(err) || !err.code.startsWith('CHASQUI_ERR_CAPTURE') && !err.code.startsWith('CHASQUI_ERR_DEVICE')) throw err;
      const flash = { kind: 'error' as const, text: captureErrorText(req, err) };
      return sendPage(req, reply, { ...(await capturePage(req, d, draft.id, problemsOf(req, err))), flash }, 422);
    }
  });

  // "Usar en signos vitales": the draft's form comes along (formaction), so what was typed is kept;
  // the fresh device readings overwrite only the fields they fill.
  app.post<IdParams>('/casos/:id/signos-del-equipo', guard, async (req, reply) => {
    const id = req.params.id;
    const draft = d.drafts.get(id);
    if (!draft) return reply.callNotFound();
    if (draft.state !== 'draft') return reply.redirect(`/casos/${id}`, 303);
    const typed = draftFields(formBody(req.body));
    const ports = await fetchPorts(d.bridge);
    const { vitals, refused } = ports ? vitalsFromBedside(bedsideFrom(req, ports), d.clock.now()) : { vitals: {}, refused: [] };
    d.drafts.save(id, { ...typed, vitals: { ...typed.vitals, ...vitals } });
    recordAccess(req, { action: 'case.update', target: id, detail: { fromDevices: Object.keys(vitals) } });
    const taken = Object.keys(vitals).length > 0;
    // A device that is simply not there is no news once another gave something; an old reading always is.
    const worth = refused.filter((r) => r.why !== 'none' || !taken);
    if (ports && worth.length === 0) return reply.redirect(`/casos/${id}?ok=deviceVitals#signos`, 303);
    const text = ports ? worth.map((r) => refusalText(req, r)).join(' ') : req.t('devices.bridgeDown');
    return renderCase(req, reply, d, id, { status: 422, flash: { kind: 'error', text } });
  });
}

function refusalText(req: FastifyRequest, r: BedsideRefusal): string {
  return req.t(`bedside.refused.${r.device}.${r.why}`, { minutes: r.minutes ?? 0 });
}

/** The bridge's error in the nurse's words: the catalogue's line for its code, more precise when the bridge says why. */
function captureErrorText(req: FastifyRequest, err: ChasquiError): string {
  const why = typeof err.details?.why === 'string' ? err.details.why : undefined;
  if (why && req.t.has(`devices.error.${err.code}.${why}`)) return req.t(`devices.error.${err.code}.${why}`);
  return req.t.has(`devices.error.${err.code}`) ? req.t(`devices.error.${err.code}`) : req.t('devices.error.other');
}

function devicesBody(req: FastifyRequest, ports: BridgePort[], now: number): Html {
  const t = req.t;
  if (ports.length === 0) return html`<p class="muted">${t('devices.none')}</p>`;
  const readings = bedsideReadings(req, bedsideFrom(req, ports), now);
  const ecg = ports.find((p) => ECG_PROTOCOLS.has(p.protocol));
  return html`<p>${t('devices.intro')}</p>
<section class="card" id="lecturas"><h2>${t('bedside.title')}</h2>
${readings || html`<p class="muted">${t('bedside.none')}</p>`}
<p><a class="button secondary" href="/dispositivos">${t('bedside.refresh')}</a></p></section>
<section class="card" id="equipos"><h2>${t('devices.connected')}</h2>
<ul class="devices">${ports.map((p) => html`<li><span class="reading-name">${deviceName(req, p.protocol)}</span> <span class="badge${p.state === 'open' ? ' delivered' : ''}">${portState(req, p.state)}</span></li>`)}</ul></section>
${ecg ? html`<section class="card" id="trazado"><h2>${t('devices.liveTrace')}</h2>
<iframe class="monitor" src="/puente/?port=${ecg.id}&amp;embedded=1" title="${t('devices.liveTrace')}"></iframe></section>` : ''}`;
}

async function capturePage(req: FastifyRequest, d: DevicePagesDeps, draftId: string, problems?: Html) {
  const t = req.t;
  const all = await fetchPorts(d.bridge);
  const ports = (all ?? []).filter((p) => ECG_PROTOCOLS.has(p.protocol));
  const first = ports[0];
  // The countdown (ecg-countdown.js) reads its words from the form, so they come from the catalogue too.
  const body = all === undefined
    ? html`<p class="error">${t('devices.bridgeDown')}</p>`
    : !first
      ? html`<p class="error">${t('devices.noEcgDevice')}</p>`
      : html`${problems ?? ''}
        <p>${t('devices.placeElectrodes')}</p>
        <iframe class="monitor" src="/puente/?port=${first.id}&amp;embedded=1" title="${t('devices.liveTrace')}"></iframe>
        <form method="post" action="/casos/${draftId}/ecg/captura" class="card" data-countdown="${t('devices.countdown')}" data-checking="${t('devices.checking')}">
          <label for="device">${t('devices.device')}</label>
          <select id="device" name="device">${ports.map((p) => html`<option value="${p.id}">${deviceName(req, p.protocol)} (${portState(req, p.state)})</option>`)}</select>
          <label for="seconds">${t('devices.seconds')}</label>
          <select id="seconds" name="seconds">${CAPTURE_CHOICES.map((s) => html`<option>${s}</option>`)}</select>
          <button>${t('devices.record')}</button>
          <p class="countdown" role="status" aria-live="polite" hidden></p>
          <p class="hint">${t('devices.recordHint')}</p>
        </form>`;
  return { title: t('devices.captureTitle'), section: 'cases', body: html`${body}<p><a href="/casos/${draftId}">${t('common.back')}</a></p>`, scripts: ['ecg-countdown.js'] };
}

function problemsOf(req: FastifyRequest, err: ChasquiError): Html | undefined {
  const quality = err.details?.quality as { problems?: Problem[] } | undefined;
  const rejects = (quality?.problems ?? []).filter((p) => p.severity === 'reject');
  if (!rejects.length) return undefined;
  return html`<ul class="error" role="alert">${rejects.map((p) => html`<li>${req.t(`quality.${p.code}`, { lead: p.lead ?? '' })}</li>`)}</ul>`;
}
