/**
 * Every post's link health for Prometheus (GET /metrics, one series per post,
 * label `post`) and for operators as JSON (GET /api/links). One Registry per
 * hub, never prom-client's global one.
 *
 * /metrics has no authentication: it carries post ids and link numbers, no
 * patient data, and the hub's listen address (or a reverse proxy in front) is
 * the guard; do not publish it to the internet. /api/links is for signed-in
 * operators and admins (HUB_AREAS.links).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import { isValidPostId } from '../../protocol/topics.js';
import { HUB_AREAS } from '../auth/hub-access.js';
import type { LinkHealth, LinkHealthStore } from './link-health-store.js';

export type HubLinksDeps = {
  store: LinkHealthStore; clock: Clock; postIds?: () => string[];
  /** The relay's refusals since start: bundles whose signature or seal failed, terminal statuses not signed by the post. */
  refusals?: () => { untrusted: number; forgedStatuses: number };
};

type PostGauge = Gauge<'post'>;

export class HubLinksMetrics {
  readonly registry = new Registry();
  private readonly escalations: Counter;
  private readonly untrusted: Counter;
  private readonly forgedStatuses: Counter;
  private readonly brokerCuts: Counter<'cut'>;
  private readonly brokerRefusals: Counter<'code'>;
  private readonly perPost: Array<[PostGauge, (h: LinkHealth, now: number) => number | null]>;

  constructor(private readonly d: HubLinksDeps) {
    const registers = [this.registry];
    const gauge = (name: string, help: string): PostGauge => new Gauge({ name, help, labelNames: ['post'], registers });
    this.escalations = new Counter({ name: 'chasqui_hub_escalations_total', help: 'Cases escalated because nobody opened them in time', registers });
    this.untrusted = new Counter({ name: 'chasqui_hub_untrusted_bundles_total', help: 'Bundles refused because their signature or seal failed (forged, altered or misaddressed)', registers });
    this.forgedStatuses = new Counter({ name: 'chasqui_hub_forged_statuses_total', help: 'Terminal statuses ignored because the post had not signed them', registers });
    this.brokerCuts = new Counter({
      name: 'chasqui_hub_broker_connections_cut_total', help: 'Broker connections cut by the packet gate, by reason', labelNames: ['cut'], registers,
    });
    this.brokerRefusals = new Counter({
      name: 'chasqui_hub_broker_logins_refused_total', help: 'Broker logins refused, by error code', labelNames: ['code'], registers,
    });
    this.perPost = [
      [gauge('chasqui_hub_post_online', '1 if the post was heard from within twice its heartbeat interval'), (h) => (h.online ? 1 : 0)],
      [gauge('chasqui_hub_post_last_seen_age_seconds', 'Seconds since the post was last heard from (NaN if never)'),
        (h, now) => (h.lastSeenAt ? (now - Date.parse(h.lastSeenAt)) / 1000 : null)],
      [gauge('chasqui_hub_post_backlog_bytes', 'Bytes the post still has to deliver, from its last heartbeat'), (h) => h.backlog?.bytes ?? null],
      [gauge('chasqui_hub_post_backlog_items', 'Bundles queued at the post, from its last heartbeat'), (h) => h.backlog?.items ?? null],
      [gauge('chasqui_hub_post_rtt_seconds', 'The post\'s smoothed round trip, from its last heartbeat'), (h) => (h.rttMs === null ? null : h.rttMs / 1000)],
      // A gauge, not a counter: it is read from the cases table, and a counter here would only mirror it.
      [gauge('chasqui_hub_post_cases_received', 'Cases the hub holds from this post'), (h) => h.casesReceived],
      [gauge('chasqui_hub_post_silent', '1 if no heartbeat for longer than links.silentAfterMinutes'), (h) => (h.flags.silent ? 1 : 0)],
      [gauge('chasqui_hub_post_backlog_growing', '1 if queued bytes grew across the last three heartbeats'), (h) => (h.flags.backlogGrowing ? 1 : 0)],
      [gauge('chasqui_hub_post_stuck', 'Stuck transfers: 1 for the post\'s old queue, plus partial inbox transfers older than links.stuckAfterHours'),
        (h) => (h.flags.stuckAtPost ? 1 : 0) + h.flags.stuckAtHub],
    ];
  }

  /** The hub's SLA loop calls this with each batch of escalations. */
  countEscalations(n: number): void {
    if (n > 0) this.escalations.inc(n);
  }

  /** The embedded broker reports each connection it cut and each login it refused. */
  countBroker(e: { kind: 'cut'; cut: string } | { kind: 'login-refused'; code: string }): void {
    if (e.kind === 'cut') this.brokerCuts.inc({ cut: e.cut });
    else this.brokerRefusals.inc({ code: e.code });
  }

  links(): LinkHealth[] {
    return this.d.store.all(this.d.clock.now(), this.d.postIds?.() ?? []);
  }

  async prometheus(): Promise<string> {
    const now = this.d.clock.now();
    const links = this.links();
    for (const [g, read] of this.perPost) {
      // Reset first: a post removed from the registry must not linger with its last value.
      g.reset();
      for (const h of links) g.set({ post: h.postId }, read(h, now) ?? Number.NaN);
    }
    const r = this.d.refusals?.();
    // The relay counts; the counters mirror it, so a scrape between two reads never goes backwards.
    if (r) {
      this.untrusted.reset();
      this.untrusted.inc(r.untrusted);
      this.forgedStatuses.reset();
      this.forgedStatuses.inc(r.forgedStatuses);
    }
    return this.registry.metrics();
  }
}

export function hubLinksRoutes(app: FastifyInstance, deps: { metrics: HubLinksMetrics; store: LinkHealthStore; clock: Clock }): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.prometheus();
    return reply.header('content-type', deps.metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
  const guard = { preHandler: app.requireUser(HUB_AREAS.links) };
  app.get('/api/links', guard, async (_req, reply) => reply.header('cache-control', 'no-store').send({ links: deps.metrics.links() }));
  app.get<{ Params: { postId: string } }>('/api/links/:postId', guard, async (req, reply) => {
    const { postId } = req.params;
    if (!isValidPostId(postId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', 'no such post');
    const now = deps.clock.now();
    // A day of heartbeats: enough to see a trend on a chart, a few hundred small rows at most.
    const history = deps.store.history(postId, now - 24 * 3_600_000);
    return reply.header('cache-control', 'no-store').send({ link: deps.store.health(postId, now), history });
  });
}
