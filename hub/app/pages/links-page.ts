/**
 * The operator's dashboard: every post's link at a glance — online or
 * silent, backlog, round trip, throughput, how long cases take to arrive —
 * flagged ones first, with a small chart per post over the last days.
 * Server-rendered with inline SVG: no script, no chart library, a few KB,
 * so it loads over the same poor links it watches.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html, raw, type Html } from '../../../lib/web/html.js';
import { HUB_AREAS } from '../../auth/hub-access.js';
import { sendPage } from '../layout.js';

export interface LinkSummary {
  postId: string;
  name: string;
  /** Set once `chasqui hub revoke-post` ran: shown, marked, never flagged or counted as offline. */
  revokedAt: string | null;
  online: boolean;
  lastSeenAt: string | null;
  queueItems: number | null;
  queueBytes: number | null;
  rttMs: number | null;
  throughputBps: number | null;
  deliveryMedianS: number | null;
  flags: { silent: boolean; backlogGrowing: boolean; stuck: boolean };
  /** Oldest first, for the chart: queue bytes and round trip over time. */
  history: Array<{ at: number; queueBytes: number; rttMs: number | null }>;
}

export function linksPage(app: FastifyInstance, d: { summaries(now: number): LinkSummary[]; now(): number }): void {
  app.get('/enlaces', { preHandler: app.requireUser(HUB_AREAS.links) }, async (req, reply) => {
    const t = req.t;
    const now = d.now();
    // Revoked posts last: kept for the history of what they sent, not to be watched.
    const all = d.summaries(now).sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || flagged(b) - flagged(a) || a.postId.localeCompare(b.postId));
    const live = all.filter((s) => s.revokedAt === null);
    const online = live.filter((s) => s.online).length;
    const revoked = all.length - live.length;
    const body = html`
      <p class="card">${t('links.summary', { online, offline: live.length - online, flagged: live.filter((s) => flagged(s) > 0).length })}${revoked ? html` · ${t('links.revokedCount', { n: revoked })}` : ''}</p>
      <table class="links"><thead><tr><th>${t('links.col.post')}</th><th>${t('links.col.state')}</th><th>${t('links.col.lastSeen')}</th><th>${t('links.col.backlog')}</th><th>${t('links.col.rtt')}</th><th>${t('links.col.throughput')}</th><th>${t('links.col.delivery')}</th><th>${t('links.col.chart')}</th></tr></thead>
      <tbody>${all.map((s) => row(req, s, now))}</tbody></table>
      <p class="hint">${t('links.legend')}</p>`;
    return sendPage(req, reply, { title: t('links.title'), section: 'links', body });
  });
}

function flagged(s: LinkSummary): number {
  if (s.revokedAt !== null) return 0;
  return Number(s.flags.silent) + Number(s.flags.backlogGrowing) + Number(s.flags.stuck);
}

function row(req: FastifyRequest, s: LinkSummary, now: number): Html {
  const t = req.t;
  const flags = (['silent', 'backlogGrowing', 'stuck'] as const).filter((f) => s.revokedAt === null && s.flags[f]);
  const state = s.revokedAt !== null
    ? html`<span class="badge revoked" data-state="revoked">${t('links.revoked')}</span><br><span class="muted">${t('links.revokedAgo', { ago: ago(req, now - Date.parse(s.revokedAt)) })}</span>`
    : html`<span class="badge ${s.online ? 'online' : 'offline'}">${t(s.online ? 'links.online' : 'links.offline')}</span>`;
  return html`<tr class="${s.revokedAt !== null ? 'revoked' : flags.length ? 'flagged' : ''}" data-post="${s.postId}">
    <td><strong>${s.name}</strong><br><span class="muted">${s.postId}</span></td>
    <td>${state}
      ${flags.map((f) => html` <span class="badge flag" data-flag="${f}">${t(`links.flag.${f}`)}</span>`)}</td>
    <td>${s.lastSeenAt ? ago(req, now - Date.parse(s.lastSeenAt)) : t('links.never')}</td>
    <td>${s.queueItems === null ? '—' : t('links.backlog', { n: s.queueItems, kb: Math.round((s.queueBytes ?? 0) / 1024) })}</td>
    <td>${s.rttMs === null ? '—' : `${Math.round(s.rttMs)} ms`}</td>
    <td>${s.throughputBps === null ? '—' : `${(s.throughputBps / 1000).toFixed(1)} kbit/s`}</td>
    <td>${s.deliveryMedianS === null ? '—' : ago(req, s.deliveryMedianS * 1000)}</td>
    <td>${sparkline(s.history)}</td></tr>`;
}

function ago(req: FastifyRequest, ms: number): string {
  const t = req.t;
  const min = Math.round(ms / 60_000);
  if (min < 60) return t('time.minutes', { n: min });
  const h = Math.round(min / 60);
  return h < 48 ? t('time.hoursMinutes', { h: Math.floor(min / 60), m: min % 60 }) : t('time.days', { n: Math.round(h / 24) });
}

/** Backlog (filled) and round trip (line) over time, 160 × 32 px, scaled to each post's own maximum. */
export function sparkline(points: LinkSummary['history']): Html {
  if (points.length < 2) return html`<span class="muted">—</span>`;
  const W = 160;
  const H = 32;
  const t0 = points[0]!.at;
  const span = Math.max(1, points[points.length - 1]!.at - t0);
  const x = (at: number) => ((at - t0) / span) * W;
  const maxQ = Math.max(1, ...points.map((p) => p.queueBytes));
  const rtts = points.filter((p) => p.rttMs !== null) as Array<{ at: number; rttMs: number }>;
  const maxR = Math.max(1, ...rtts.map((p) => p.rttMs));
  const area = `M0,${H} ${points.map((p) => `L${x(p.at).toFixed(1)},${(H - (p.queueBytes / maxQ) * H).toFixed(1)}`).join(' ')} L${W},${H} Z`;
  const line = rtts.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${(H - (p.rttMs / maxR) * (H - 2) - 1).toFixed(1)}`).join(' ');
  return raw(`<svg class="spark" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img"><path d="${area}" fill="#f0c9a0"/><path d="${line}" fill="none" stroke="#123c5e" stroke-width="1.2"/></svg>`);
}
