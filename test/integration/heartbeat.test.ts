/**
 * Heartbeats end to end over real MQTT on the embedded aedes broker, with the
 * production ACL: a post's sender publishes, the hub side validates and stores,
 * and /api/links and /metrics show it. Wired here by hand the way
 * buildHub/buildPost wire it, on real SQLite files.
 */
import t from 'tap';
import Fastify from 'fastify';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { hubAppPlugin } from '../../hub/app/app-plugin.js';
import { registerHubAuth } from '../../hub/auth/hub-auth.js';
import { EmbeddedBroker, postClientId } from '../../hub/broker/embedded-broker.js';
import { HubCaseStore } from '../../hub/cases/case-store.js';
import { heartbeatIngest, type IngestOutcome } from '../../hub/links/heartbeat-ingest.js';
import { LinkHealthStore } from '../../hub/links/link-health-store.js';
import { HubLinksMetrics, hubLinksRoutes } from '../../hub/links/metrics.js';
import { HeartbeatSender } from '../../node/health/heartbeat-sender.js';
import { installErrorHandler } from '../../lib/http-errors.js';
import { openDatabase } from '../../lib/sqlite.js';
import { systemClock } from '../../lib/clock.js';
import { ALL_HEALTH, ALL_UP, downTopic, healthTopic } from '../../protocol/topics.js';
import { InboxStore } from '../../relay/inbox-store.js';
import { MqttCarrier } from '../../relay/mqtt-carrier.js';
import { OutboxStore } from '../../relay/outbox-store.js';
import { generatePassword } from '../../hub/broker/credentials.js';
import { collectingLogger, quietLogger } from '../support/logger.js';
import { mosquittoSkip, startMosquitto } from '../support/mosquitto.js';
import { tempDir } from '../support/paths.js';
import { sampleHeartbeat } from '../support/sample-heartbeat.js';
import { waitFor } from '../support/wait.js';

const PASSWORDS: Record<string, string> = { 'post-a': 'clave-a', 'post-b': 'clave-b' };
/** A registry stand-in: no scrypt, every password known. */
function fixedPosts(pw: Record<string, string>) {
  return { verifyCached: (id: string, p: string) => pw[id] === p, verify: async (id: string, p: string) => (pw[id] === undefined ? 'unknown' as const : pw[id] === p ? 'ok' as const : 'wrong' as const) };
}

const LINK = { keepaliveS: 5, reconnectMs: 200, connectTimeoutMs: 2000 };

t.test('heartbeats arrive at connect and on schedule; forgeries are refused', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { logger, lines } = collectingLogger();
  const broker = new EmbeddedBroker({
    host: '127.0.0.1', port: 0, logger,
    auth: { hubUser: 'chasqui-hub', hubPassword: 'hub-secret', hubClientId: 'chasqui-hub', posts: fixedPosts(PASSWORDS) },
  });
  const url = `mqtt://127.0.0.1:${await broker.start()}`;
  t.teardown(() => broker.stop());

  // The hub side.
  const hubDb = openDatabase(join(dir, 'hub.sqlite'));
  t.teardown(() => hubDb.close());
  new HubCaseStore(hubDb);
  new InboxStore(hubDb);
  const store = new LinkHealthStore(hubDb, { heartbeatIntervalS: 1, silentAfterMinutes: 60, stuckAfterHours: 24, keepDays: 30 });
  const ingest = heartbeatIngest({ store, clock: systemClock, logger, isKnownPost: (id) => id in PASSWORDS });
  const outcomes: IngestOutcome[] = [];
  const hubCarrier = new MqttCarrier({
    url, clientId: 'chasqui-hub', username: 'chasqui-hub', password: 'hub-secret', subscriptions: [ALL_UP, ALL_HEALTH], ...LINK, logger: quietLogger(),
  });
  hubCarrier.on('message', ({ topic, payload }) => outcomes.push(ingest(topic, payload)));
  await hubCarrier.start();
  t.teardown(() => hubCarrier.stop());
  await waitFor(() => hubCarrier.isConnected, { what: 'hub connected' });
  const app = Fastify();
  installErrorHandler(app);
  void app.register(hubAppPlugin);
  const auth = registerHubAuth(app, { db: hubDb, clock: systemClock, logger: quietLogger(), scrypt: { N: 1024, r: 8, p: 1, keyLen: 32 } });
  const metrics = new HubLinksMetrics({ store, clock: systemClock, postIds: () => Object.keys(PASSWORDS) });
  hubLinksRoutes(app, { metrics, store, clock: systemClock });
  t.teardown(() => app.close());
  await auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'pin', secret: '284719' });

  // The post side: one case waiting in a real outbox.
  const postDb = openDatabase(join(dir, 'post.sqlite'));
  t.teardown(() => postDb.close());
  const outbox = new OutboxStore(postDb);
  outbox.enqueue({ peer: 'hub', id: 'b1', kind: 1, priority: 1, bytes: Buffer.alloc(9000), chunkSize: 4096, now: Date.now() });
  const postCarrier = new MqttCarrier({
    url, clientId: postClientId('post-a'), username: 'post-a', password: PASSWORDS['post-a']!, subscriptions: [downTopic('post-a')], ...LINK, logger: quietLogger(),
  });
  // Shortened from the default 300 s so the schedule shows within the test.
  const sender = new HeartbeatSender({
    postId: 'post-a', dataDir: dir, intervalS: 0.3, carrier: postCarrier, outbox, bytesSent: () => 0, clock: systemClock, logger: quietLogger(),
  });
  sender.start();
  t.teardown(() => sender.stop());
  await postCarrier.start();
  t.teardown(() => postCarrier.stop());

  await t.test('one at connect, then on schedule', async (t) => {
    await waitFor(() => store.history('post-a', 0).some((h) => h.reason === 'reconnect'), { what: 'connect heartbeat' });
    await waitFor(() => store.history('post-a', 0).some((h) => h.reason === 'schedule'), { what: 'scheduled heartbeat' });
    t.same(store.latest('post-a')?.queue.items, 1);
    t.equal(store.latest('post-a')?.queue.bytes, 9000);
  });

  await t.test('operators see the post online with its queue; others may not look', async (t) => {
    const signIn = await app.inject({
      method: 'POST', url: '/entrar', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'oper', secret: '284719', volver: '/' }).toString(),
    });
    const c = (signIn.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion')!;
    const res = await app.inject({ url: '/api/links', headers: { cookie: `chasqui_sesion=${c.value}` } });
    t.equal(res.statusCode, 200);
    const links = (res.json() as { links: Array<{ postId: string; online: boolean; backlog: { items: number } | null; flags: { silent: boolean } }> }).links;
    t.match(links.find((l) => l.postId === 'post-a'), { online: true, backlog: { items: 1, bytes: 9000 }, flags: { silent: false } });
    t.match(links.find((l) => l.postId === 'post-b'), { online: false, backlog: null, flags: { silent: true } });
    t.not((await app.inject({ url: '/api/links' })).statusCode, 200, 'not without signing in');
    const prom = await app.inject({ url: '/metrics' });
    t.match(prom.headers['content-type'], /^text\/plain/);
    t.match(prom.body, /chasqui_hub_post_online\{post="post-a"\} 1/);
    t.match(prom.body, /chasqui_hub_post_backlog_bytes\{post="post-a"\} 9000/);
    t.match(prom.body, /chasqui_hub_post_online\{post="post-b"\} 0/);
  });

  await t.test('a forged heartbeat is refused by the broker or by the ingest', async (t) => {
    const forger = await mqtt.connectAsync(url, { username: 'post-b', password: PASSWORDS['post-b'], clientId: postClientId('post-b'), protocolVersion: 4, reconnectPeriod: 0 });
    t.teardown(() => forger.endAsync(true));
    const forged = Buffer.from(JSON.stringify(sampleHeartbeat({ postId: 'post-a', at: new Date().toISOString(), software: 'forged' })));
    // On its own topic, claiming to be post-a: the broker passes it, the ingest refuses it.
    await forger.publishAsync(healthTopic('post-b'), forged, { qos: 1 });
    await waitFor(() => outcomes.includes('forged'), { what: 'ingest refusal' });
    t.ok(lines.some((l) => l.msg === 'heartbeat claims another post: refused' && l.claimed === 'post-a'));
    // On post-a's topic: the broker refuses it (and, as aedes does, drops the connection).
    forger.publish(healthTopic('post-a'), forged, { qos: 0 });
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_NOT_AUTHORIZED' && l.topic === healthTopic('post-a')), { what: 'broker refusal' });
    t.notOk(store.history('post-a', 0).some((h) => h.software === 'forged'), 'nothing forged was stored');
    t.equal(store.latest('post-b'), null);
  });
});

t.test('an external Mosquitto on the generated ACL carries a post\'s own heartbeat and no forged one', { skip: mosquittoSkip() }, async (t) => {
  const pw = { 'post-a': generatePassword(), 'post-b': generatePassword(), 'chasqui-hub': generatePassword() };
  const broker = await startMosquitto({ users: Object.entries(pw).map(([username, password]) => ({ username, password })), hubUser: 'chasqui-hub' });
  t.teardown(() => broker.stop());
  const opts = (username: keyof typeof pw) => ({ username, password: pw[username], clientId: username, protocolVersion: 4 as const, reconnectPeriod: 0, ...broker.clientOptions });
  const hub = await mqtt.connectAsync(broker.url, opts('chasqui-hub'));
  const a = await mqtt.connectAsync(broker.url, opts('post-a'));
  t.teardown(() => Promise.all([hub.endAsync(true), a.endAsync(true)]));
  const got: string[] = [];
  hub.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  await hub.subscribeAsync(ALL_HEALTH, { qos: 0 });
  // QoS 1 here only so the PUBACK orders the two: Mosquitto PUBACKs a refused publish too.
  await a.publishAsync(healthTopic('post-b'), 'forged', { qos: 1 });
  await a.publishAsync(healthTopic('post-a'), 'own', { qos: 1 });
  await waitFor(() => got.length > 0, { what: 'hub receives a heartbeat' });
  t.same(got, [`${healthTopic('post-a')} own`], 'only post-a\'s own heartbeat reached the hub');
});
