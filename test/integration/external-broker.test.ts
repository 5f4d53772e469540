/**
 * The hub on an external Mosquitto over TLS, as a national deployment runs
 * it: a case survives a broker restart in the middle of its transfer, a post
 * the broker knows but the hub does not is ignored with a logged code, and a
 * hub whose broker.ca is not the broker's certificate never connects.
 */
import t from 'tap';
import mqtt from 'mqtt';
import { encode } from '../../protocol/messages.js';
import { upTopic } from '../../protocol/topics.js';
import { LinkEmulator } from '../link/link-emulator.js';
import { collectingLogger } from '../support/logger.js';
import { mosquittoSkip, startMosquitto } from '../support/mosquitto.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { enrolPost, startHub, startPost, viaPort } from '../support/stack.js';
import { imposterTls } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

const HUB_PW = 'hub-secret';
const POST_PW = 'post-secret';

t.test('external mosquitto: restart mid-transfer, unknown post', { skip: mosquittoSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const mosq = await startMosquitto({
    users: [{ username: 'chasqui-hub', password: HUB_PW }, { username: 'post-m', password: POST_PW }, { username: 'post-ghost', password: POST_PW }],
    hubUser: 'chasqui-hub', persistence: true,
  });
  t.teardown(() => mosq.stop());
  const { logger, lines } = collectingLogger();
  const hub = await startHub({ dir, logger, broker: { mode: 'external', url: mosq.url, ca: mosq.ca, username: 'chasqui-hub', password: HUB_PW } });
  t.teardown(() => hub.stop());
  const { hubIdentity } = enrolPost(hub, dir, 'post-m', { name: 'Puesto M', password: POST_PW });
  const link = new LinkEmulator({ target: { host: '127.0.0.1', port: mosq.port }, upRateBps: 2_000_000, downRateBps: 2_000_000, latencyMs: 20, lossRate: 0 });
  const linkPort = await link.start();
  t.teardown(() => link.stop());
  const post = await startPost({ dir, postId: 'post-m', url: viaPort(mosq.url, linkPort), password: POST_PW, hubIdentity, link: { expectedRateBps: 2_000_000 } });
  t.teardown(() => post.stop());

  await t.test('every link is TLS: the hub\'s and the post\'s', async (t) => {
    t.match(mosq.url, /^mqtts:\/\//);
    t.match(post.config.hub.url, /^mqtts:\/\//);
    await waitFor(async () => ((await hub.app.inject({ method: 'GET', url: '/healthz' })).json() as { brokerConnected: boolean }).brokerConnected, { what: 'hub connected' });
    await waitFor(() => post.connected(), { what: 'post connected' });
  });

  await t.test('a case survives a broker restart in the middle of its transfer', async (t) => {
    const bytes = sharedFile('photos/T-45A_Goshawk_03.jpg');
    post.cases.submit({ caseId: 'm1', priority: 'routine', body: {}, attachments: [{ name: 'f.jpg', mediaType: 'image/jpeg', bytes }] });
    await waitFor(() => (post.cases.get('m1')?.status.percent ?? 0) >= 30, { what: '30 %', timeoutMs: 30_000, intervalMs: 10 });
    await mosq.restart();
    await waitFor(() => post.cases.get('m1')?.status.state === 'delivered', { what: 'delivered after restart', timeoutMs: 60_000 });
    const [c] = hub.cases.list();
    t.ok(hub.cases.blobs.get(c!.attachments[0]!.sha256)?.equals(bytes), 'byte-identical');
    t.equal(hub.cases.count(), 1);
  });

  await t.test('a post the hub has not registered is ignored', async (t) => {
    const ghost = await mqtt.connectAsync(mosq.url, { username: 'post-ghost', password: POST_PW, clientId: 'ghost', protocolVersion: 4, ...mosq.clientOptions });
    const chunk = encode({ type: 'chunk', transferId: Buffer.alloc(32, 1), kind: 1, priority: 0, totalSize: 2000, chunkSize: 4096, index: 0, payload: Buffer.alloc(2000) });
    await ghost.publishAsync(upTopic('post-ghost'), chunk, { qos: 1 });
    await ghost.endAsync();
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_UNKNOWN_POST' && l.peer === 'post-ghost'), { what: 'unknown post logged' });
    t.equal(hub.relay.inbox.get('post-ghost', Buffer.alloc(32, 1).toString('hex')), undefined, 'nothing stored');
  });
});

t.test('external mosquitto: a hub that pins another certificate refuses the broker', { skip: mosquittoSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const mosq = await startMosquitto({ users: [{ username: 'chasqui-hub', password: HUB_PW }], hubUser: 'chasqui-hub' });
  t.teardown(() => mosq.stop());
  const { logger, lines } = collectingLogger();
  const hub = await startHub({ dir, logger, broker: { mode: 'external', url: mosq.url, ca: imposterTls().certFile, username: 'chasqui-hub', password: HUB_PW } });
  t.teardown(() => hub.stop());
  await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_TLS_UNTRUSTED'), { what: 'refusal logged' });
  t.match(((await hub.app.inject({ method: 'GET', url: '/healthz' })).json()), { brokerConnected: false });
});
