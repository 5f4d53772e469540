/**
 * The bedside devices in the nurse's words: each device by a name she knows
 * (never a protocol id or a device path), its state, and the oximeter's and
 * cuff's latest numbers with how old they are. Shown on the devices page and
 * beside a draft's vitals, where one button copies them in.
 */
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../../lib/web/html.js';
import { ageMinutes, bedsideOf, freshness, type Bedside, type BridgePort, type Freshness } from '../../devices/bedside-readings.js';
import type { BridgeClient } from '../../devices/bridge-client.js';
import { requestZone } from '../../../lib/web/time-format.js';
import { when } from './form-fields.js';

/** Ports that give numbers a case's vitals can take. */
const VITALS_PROTOCOLS = new Set(['contec-cms50-v7', 'contec-cms50-legacy', 'beurer-bm58']);

/** The bridge's ports, or undefined when it does not answer; quick, since a page waits on it. */
export async function fetchPorts(bridge: BridgeClient | undefined): Promise<BridgePort[] | undefined> {
  if (!bridge) return undefined;
  try {
    return ((await bridge.ports(2000)) as { ports: BridgePort[] }).ports;
  } catch {
    return undefined;
  }
}

export function bedsideFrom(req: FastifyRequest, ports: readonly BridgePort[]): Bedside {
  return bedsideOf(ports, requestZone(req));
}

export function hasVitalsDevice(ports: readonly BridgePort[]): boolean {
  return ports.some((p) => VITALS_PROTOCOLS.has(p.protocol));
}

/** "Oxímetro de pulso Contec CMS50" for a protocol id; a generic word for one the catalogue does not name. */
export function deviceName(req: FastifyRequest, protocol: string): string {
  return req.t.has(`devices.protocol.${protocol}`) ? req.t(`devices.protocol.${protocol}`) : req.t('devices.protocol.other');
}

export function portState(req: FastifyRequest, state: string): string {
  return req.t.has(`devices.state.${state}`) ? req.t(`devices.state.${state}`) : req.t('devices.state.failed');
}

function age(req: FastifyRequest, at: number, now: number, f: Freshness): Html {
  const t = req.t;
  if (f === 'future') return html`<span class="age stale">${t('bedside.clockWrong')}</span>`;
  const minutes = ageMinutes(at, now);
  const text = minutes < 1 ? t('bedside.ageNow') : t('bedside.ageMinutes', { minutes });
  return html`<span class="age${f === 'stale' ? ' stale' : ''}">${text}${f === 'stale' ? html` · ${t('bedside.tooOld')}` : ''}</span>`;
}

/** The oximeter's and cuff's latest numbers; '' when neither has given one. */
export function bedsideReadings(req: FastifyRequest, b: Bedside, now: number): Html | '' {
  const t = req.t;
  const o = b.oximeter;
  const p = b.pressure;
  if (!o && !p) return '';
  const ox = o
    ? html`<li class="reading" data-reading="oximeter"><span class="reading-name">${deviceName(req, o.protocol)}</span>
<strong>${o.spo2 === null && o.pulseBpm === null ? t('bedside.noValue') : t('bedside.oximetry', { spo2: o.spo2 ?? '—', pulse: o.pulseBpm ?? '—' })}</strong>
${age(req, o.at, now, freshness(o.at, now))}</li>`
    : '';
  const bp = p
    ? html`<li class="reading" data-reading="pressure"><span class="reading-name">${deviceName(req, p.protocol)}</span>
<strong>${t('bedside.pressure', { systolic: p.systolic, diastolic: p.diastolic, pulse: p.pulseBpm })}</strong>
${age(req, p.at, now, freshness(p.at, now))} <span class="hint">${t('bedside.measuredAt', { when: when(req, new Date(p.at).toISOString()) })}</span></li>`
    : '';
  return html`<ul class="readings">${bp}${ox}</ul>`;
}

/**
 * Beside a draft's vitals: the latest readings and the button that copies
 * them in. The button belongs to the draft's form (formaction), so what the
 * nurse typed travels with it and is saved too.
 */
export function bedsidePanel(req: FastifyRequest, draftId: string, ports: BridgePort[] | undefined, now: number): Html | '' {
  const t = req.t;
  if (ports === undefined) return html`<p class="hint" id="bedside">${t('bedside.unreachable')}</p>`;
  if (!hasVitalsDevice(ports)) return '';
  const readings = bedsideReadings(req, bedsideFrom(req, ports), now);
  return html`<div class="bedside" id="bedside"><p class="bedside-title">${t('bedside.title')}</p>
${readings || html`<p class="muted">${t('bedside.none')}</p>`}
${readings ? html`<button class="secondary" formaction="/casos/${draftId}/signos-del-equipo">${t('bedside.use')}</button>` : ''}</div>`;
}
