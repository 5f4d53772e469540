/**
 * Devices for the nurse: the live monitor of everything plugged in, and the
 * ECG capture of a case — a live trace to place the electrodes by, then N
 * seconds recorded and checked before it is attached. A capture the quality
 * check refuses says which lead and what to do, at the patient's side.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib/clock.js';
import { isChasquiError, type ChasquiError } from '../../../lib/errors.js';
import type { CaseDrafts } from '../../cases/case-drafts.js';
import type { BridgeClient } from '../../devices/bridge-client.js';
import { captureEcg, ECG_PROTOCOLS } from '../../ecg/ecg-capture.js';
import type { EcgRecordingStore } from '../../ecg/ecg-recordings.js';
import { html, type Html } from '../../../lib/web/html.js';
import { sendPage } from '../layout.js';

export interface DevicePagesDeps {
  bridge: BridgeClient;
  recordings: EcgRecordingStore;
  drafts: CaseDrafts;
  clock: Clock;
}

type Port = { id: string; protocol: string; label: string; state: string };
type Problem = { code: string; lead?: string; severity: string };

export function devicePages(app: FastifyInstance, d: DevicePagesDeps): void {
  const guard = { preHandler: app.requireNurse };

  app.get('/dispositivos', guard, async (req, reply) => {
    const t = req.t;
    const body = html`<p>${t('devices.intro')}</p><iframe class="monitor" src="/puente/" title="${t('devices.title')}"></iframe>`;
    return sendPage(req, reply, { title: t('devices.title'), section: 'devices', body });
  });

  app.get<{ Params: { id: string } }>('/casos/:id/ecg', guard, async (req, reply) => {
    const draft = d.drafts.get(req.params.id);
    if (!draft) return reply.callNotFound();
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
      app.audit.record({ actor: req.nurse!.username, action: 'ecg.capture', target: draft.id, detail: { recording: rec.id, seconds } });
      return reply.redirect(`/casos/${draft.id}?ok=ecg`, 303);
    } catch (err) {
      if (!isChasquiError(err) || !err.code.startsWith('CHASQUI_ERR_CAPTURE') && !err.code.startsWith('CHASQUI_ERR_DEVICE')) throw err;
      const flash = { kind: 'error' as const, text: t(`devices.error.${err.code}`) };
      return sendPage(req, reply, { ...(await capturePage(req, d, draft.id, problemsOf(req, err))), flash }, 422);
    }
  });
}

async function capturePage(req: FastifyRequest, d: DevicePagesDeps, draftId: string, problems?: Html) {
  const t = req.t;
  let ports: Port[] = [];
  let reachable = true;
  try {
    ports = ((await d.bridge.ports()) as { ports: Port[] }).ports.filter((p) => ECG_PROTOCOLS.has(p.protocol));
  } catch {
    reachable = false;
  }
  const first = ports[0];
  const body = !reachable
    ? html`<p class="error">${t('devices.bridgeDown')}</p>`
    : !first
      ? html`<p class="error">${t('devices.noEcgDevice')}</p>`
      : html`${problems ?? ''}
        <p>${t('devices.placeElectrodes')}</p>
        <iframe class="monitor" src="/puente/?port=${first.id}" title="${t('devices.liveTrace')}"></iframe>
        <form method="post" action="/casos/${draftId}/ecg/captura" class="card">
          <label for="device">${t('devices.device')}</label>
          <select id="device" name="device">${ports.map((p) => html`<option value="${p.id}">${p.id} · ${p.label} (${t(`devices.state.${p.state}`)})</option>`)}</select>
          <label for="seconds">${t('devices.seconds')}</label>
          <select id="seconds" name="seconds"><option>10</option><option>30</option><option>60</option></select>
          <button>${t('devices.record')}</button>
          <p class="hint">${t('devices.recordHint')}</p>
        </form>`;
  return { title: t('devices.captureTitle'), section: 'cases', body: html`${body}<p><a href="/casos/${draftId}">${t('common.back')}</a></p>` };
}

function problemsOf(req: FastifyRequest, err: ChasquiError): Html | undefined {
  const quality = err.details?.quality as { problems?: Problem[] } | undefined;
  const rejects = (quality?.problems ?? []).filter((p) => p.severity === 'reject');
  if (!rejects.length) return undefined;
  return html`<ul class="error" role="alert">${rejects.map((p) => html`<li>${req.t(`quality.${p.code}`, { lead: p.lead ?? '' })}</li>`)}</ul>`;
}
