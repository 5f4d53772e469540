/**
 * One row per post for the operator's page (hub/app/pages/links-page.ts,
 * its LinkSummary): the link-health view flattened, with the posts' display
 * names and a few days of heartbeats for the chart. Structural, so this file
 * does not import the page.
 */
import type { LinkHealthStore } from './link-health-store.js';

/** Three days at one heartbeat per 5 min is under 900 points per post: enough for a trend, small for inline SVG. */
const CHART_DAYS = 3;

export type NamedPost = { postId: string; name: string | null; revokedAt?: string | null };

export function linkSummaries(store: LinkHealthStore, posts: () => NamedPost[], days = CHART_DAYS) {
  return (now: number) => {
    const list = posts();
    const names = new Map(list.map((p) => [p.postId, p.name]));
    const revoked = new Map(list.map((p) => [p.postId, p.revokedAt ?? null]));
    return store.all(now, [...names.keys()]).map((h) => ({
      postId: h.postId,
      name: names.get(h.postId) ?? h.postId,
      revokedAt: revoked.get(h.postId) ?? null,
      online: h.online,
      lastSeenAt: h.lastSeenAt,
      queueItems: h.backlog?.items ?? null,
      queueBytes: h.backlog?.bytes ?? null,
      rttMs: h.rttMs,
      throughputBps: h.throughput.lastHourBps,
      deliveryMedianS: h.deliveryLatency.medianS,
      flags: { silent: h.flags.silent, backlogGrowing: h.flags.backlogGrowing, stuck: h.flags.stuckAtPost || h.flags.stuckAtHub > 0 },
      history: store.series(h.postId, now - days * 24 * 3_600_000),
    }));
  };
}
