/**
 * The post's state for Prometheus (GET /metrics) and as JSON (GET
 * /metrics.json): the same numbers its heartbeat carries, read at scrape
 * time. One Registry per post, never prom-client's global one, so two posts
 * in one process (the tests) do not share metrics.
 *
 * No authentication: nothing here names a patient, and the listen address is
 * the guard; bind http.host to the LAN or loopback, never the internet.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.js';
import type { Heartbeat } from '../../protocol/heartbeat.js';

export type PostMetricsDeps = { snapshot: () => Promise<Heartbeat>; clock: Clock; connected: () => boolean };

export class PostMetrics {
  readonly registry = new Registry();
  private readonly g;

  constructor(private readonly d: PostMetricsDeps) {
    const registers = [this.registry];
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.g = {
      up: gauge('chasqui_post_broker_connected', '1 while the MQTT link to the hub is up'),
      items: gauge('chasqui_post_queue_items', 'Bundles waiting in the outbox'),
      bytes: gauge('chasqui_post_queue_bytes', 'Bytes still to deliver from the outbox'),
      oldest: gauge('chasqui_post_queue_oldest_age_seconds', 'Age of the oldest queued bundle (0 when empty)'),
      sent: counter('chasqui_post_link_sent_bytes_total', 'Chunk bytes published toward the hub since start'),
      received: counter('chasqui_post_link_received_bytes_total', 'Bytes received from the hub since start'),
      rtt: gauge('chasqui_post_link_rtt_seconds', 'Smoothed round trip to the hub (NaN until measured)'),
      rate: gauge('chasqui_post_link_rate_bytes_per_second', 'Estimated delivery rate toward the hub (NaN until measured)'),
      free: gauge('chasqui_post_disk_free_bytes', 'Free space on the data directory\'s file system'),
      total: gauge('chasqui_post_disk_total_bytes', 'Size of the data directory\'s file system'),
      uptime: gauge('chasqui_post_uptime_seconds', 'Seconds since the post process started'),
      temp: gauge('chasqui_post_board_temperature_celsius', 'SoC temperature (NaN when the board has no sensor)'),
    };
  }

  async json(): Promise<{ connected: boolean; heartbeat: Heartbeat }> {
    return { connected: this.d.connected(), heartbeat: await this.d.snapshot() };
  }

  async prometheus(): Promise<string> {
    const { connected, heartbeat: hb } = await this.json();
    const g = this.g;
    g.up.set(connected ? 1 : 0);
    g.items.set(hb.queue.items);
    g.bytes.set(hb.queue.bytes);
    const oldest = hb.queue.oldestQueuedAt ? Date.parse(hb.queue.oldestQueuedAt) : null;
    g.oldest.set(oldest === null ? 0 : Math.max(0, (this.d.clock.now() - oldest) / 1000));
    setCounter(g.sent, hb.link.bytesSent);
    setCounter(g.received, hb.link.bytesReceived);
    setOrNaN(g.rtt, hb.link.rttMs === null ? null : hb.link.rttMs / 1000);
    setOrNaN(g.rate, hb.link.rateBps);
    g.free.set(hb.disk.freeBytes);
    g.total.set(hb.disk.totalBytes);
    g.uptime.set(hb.uptimeS);
    setOrNaN(g.temp, hb.board.temperatureC);
    return this.registry.metrics();
  }
}

/** Counters mirror totals kept elsewhere: reset and add, so a scrape shows the current total. */
export function setCounter(c: Counter, total: number): void {
  c.reset();
  c.inc(total);
}

/**
 * An unknown value is NaN rather than 0, which would read as a real
 * measurement (a 0 ms round trip); prom-client always exposes a label-less
 * gauge, and in PromQL every comparison with NaN is false, so no alert fires on it.
 */
export function setOrNaN(g: Gauge, v: number | null): void {
  g.set(v === null ? Number.NaN : v);
}

export function postMetricsRoutes(app: FastifyInstance, deps: { metrics: PostMetrics }): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.prometheus();
    return reply.header('content-type', deps.metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
  app.get('/metrics.json', async (_req, reply) => reply.header('cache-control', 'no-store').send(await deps.metrics.json()));
}
