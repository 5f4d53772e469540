/** The post's /metrics and /metrics.json through fastify's inject. */
import t from 'tap';
import Fastify from 'fastify';
import { PostMetrics, postMetricsRoutes } from '../../../node/health/metrics.js';
import { sampleHeartbeat } from '../../support/sample-heartbeat.js';

t.test('Prometheus text and JSON from the same snapshot; unknowns are NaN, not 0', async (t) => {
  const clock = { ms: Date.parse('2026-11-23T10:00:00.000Z'), now() { return this.ms; } };
  let hb = sampleHeartbeat();
  const metrics = new PostMetrics({ snapshot: async () => hb, clock, connected: () => true });
  const app = Fastify();
  postMetricsRoutes(app, { metrics });
  t.teardown(() => app.close());

  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const want: Array<[string, string]> = [
    ['chasqui_post_broker_connected', '1'], ['chasqui_post_queue_items', '2'], ['chasqui_post_queue_bytes', '120000'],
    ['chasqui_post_queue_oldest_age_seconds', '3600'], ['chasqui_post_link_sent_bytes_total', '1000000'],
    ['chasqui_post_link_received_bytes_total', '20000'], ['chasqui_post_link_rtt_seconds', '0.64'],
    ['chasqui_post_disk_free_bytes', '5000000000'], ['chasqui_post_uptime_seconds', '3600'], ['chasqui_post_board_temperature_celsius', '51.2'],
  ];
  for (const [name, value] of want) t.match(res.body, new RegExp(`^${name} ${value.replace('.', '\\.')}$`, 'm'), name);

  hb = sampleHeartbeat({ link: { rttMs: null, rateBps: null, bytesSent: 5, bytesReceived: 0 }, queue: { items: 0, bytes: 0, oldestQueuedAt: null } });
  const again = (await app.inject({ url: '/metrics' })).body;
  // prom-client 15 writes "Nan"; Prometheus parses it with Go's strconv.ParseFloat, which ignores case.
  t.match(again, /^chasqui_post_link_rtt_seconds nan$/im, 'not yet measured');
  t.match(again, /^chasqui_post_queue_oldest_age_seconds 0$/m);
  t.match(again, /^chasqui_post_link_sent_bytes_total 5$/m, 'a restarted post\'s total, not a sum of scrapes');
  t.same((await app.inject({ url: '/metrics.json' })).json(), { connected: true, heartbeat: hb });
});
