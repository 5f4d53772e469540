/**
 * The link as an attacker on the path sees it, with real components: a post,
 * the hub's embedded broker over TLS, and a proxy between them that records
 * (and, when told, corrupts) every byte.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildPost } from '../../node/post.js';
import { MqttCarrier } from '../../relay/mqtt-carrier.js';
import { isChasquiError } from '../../lib/errors.js';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { collectingLogger, quietLogger } from '../support/logger.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { skinCase } from '../support/sample-cases.js';
import { brokerTarget, enrolPost, postConfig, someHubIdentity, startHub, startPost, viaPort } from '../support/stack.js';
import { imposterTls, testTls } from '../support/tls.js';
import { delay, waitFor } from '../support/wait.js';
import { WireProxy, tlsRecords } from '../support/wire-proxy.js';

const PHOTO = sharedFile('photos/Sumo_Museum.jpg');
const patient = skinCase('x', PHOTO).body;
const SECRETS = (password: string) => [
  patient.patient.names, patient.patient.surnames, patient.patient.document.number, patient.patient.community, patient.reason, password,
];

/** A hub, a registered post, a proxy in front of the broker; the post reaches the hub only through the proxy. */
async function rig(t: Tap, o: { plain?: boolean; afterBytes?: number } = {}) {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hubLog = collectingLogger();
  const hub = await startHub({ dir, logger: hubLog.logger, ...(o.plain ? { plain: true } : {}) });
  const { password, hubIdentity } = enrolPost(hub, dir, 'post-w');
  const proxy = new WireProxy(brokerTarget(hub), o.afterBytes);
  const port = await proxy.start();
  const postLog = collectingLogger();
  const post = await startPost({ dir, postId: 'post-w', url: viaPort(hub.brokerUrl(), port), password, hubIdentity, logger: postLog.logger });
  t.teardown(async () => {
    await post.stop();
    await proxy.stop();
    await hub.stop();
  });
  return { dir, hub, post, proxy, password, hubLines: hubLog.lines, postLines: postLog.lines };
}
type Tap = { teardown(fn: () => Promise<void> | void): void };

/** The bytes a plaintext eavesdropper would reassemble the case from: the start of the bundle (its compressed manifest). */
function bundleHead(post: Awaited<ReturnType<typeof rig>>['post'], bundleId: string): Buffer {
  const row = post.relay.outbox.get('hub', bundleId)!;
  return post.relay.outbox.chunk(row.seq, 0)!.subarray(0, 48);
}

t.test('a recording proxy sees only TLS records: no patient field, no password, no bundle byte; the case arrives', async (t) => {
  const { hub, post, proxy, password } = await rig(t);
  const { view } = post.cases.submit(skinCase('w1', PHOTO));
  const head = bundleHead(post, view.bundleId);
  await waitFor(() => post.cases.get('w1')?.status.state === 'delivered', { what: 'w1 delivered', timeoutMs: 30_000 });
  t.equal(hub.cases.count(), 1, 'the case arrived');
  const wire = proxy.all;
  t.ok(wire.length > PHOTO.length, `the proxy recorded ${wire.length} B`);
  for (const s of SECRETS(password)) t.equal(wire.indexOf(Buffer.from(s)), -1, `"${s}" is not on the wire`);
  t.equal(wire.indexOf(head), -1, 'no byte run of the bundle is on the wire');
  t.equal(wire.indexOf(PHOTO.subarray(1000, 1064)), -1, 'nor of the photo');
  for (const [i, c] of proxy.recorded.entries()) {
    for (const [dir, bytes] of Object.entries(c)) {
      const r = tlsRecords(bytes);
      t.equal(r.outside, 0, `connection ${i} ${dir}: every byte is inside a TLS record`);
      t.ok((r.types.get(23) ?? 0) > 0, `connection ${i} ${dir}: application data only as encrypted records`);
    }
  }
});

t.test('control: the same proxy on a plain loopback link reads the password and the bundle', async (t) => {
  const { post, proxy, password } = await rig(t, { plain: true });
  const { view } = post.cases.submit(skinCase('w2', PHOTO));
  const head = bundleHead(post, view.bundleId);
  await waitFor(() => post.cases.get('w2')?.status.state === 'delivered', { what: 'w2 delivered', timeoutMs: 30_000 });
  t.not(proxy.all.indexOf(Buffer.from(password)), -1, 'the password is in CONNECT');
  t.not(proxy.all.indexOf(head), -1, 'the bundle can be reassembled');
});

for (const mode of ['flip', 'inject'] as const) {
  t.test(`a proxy that ${mode === 'flip' ? 'flips a bit' : 'injects bytes'} mid-stream gets nothing accepted; honest again, the case arrives once`, async (t) => {
    const { hub, post, proxy, hubLines } = await rig(t);
    await waitFor(() => post.connected(), { what: 'post connected' });
    proxy.mode = mode;
    post.cases.submit(skinCase('w3', PHOTO));
    await waitFor(() => proxy.tampered >= 3, { what: 'three tampered connections', timeoutMs: 30_000 });
    t.equal(hub.cases.count(), 0, 'nothing accepted while the link was tampered with');
    t.ok(proxy.connections >= 3, `the post reconnected after each failure (${proxy.connections} connections)`);
    proxy.mode = 'honest';
    await waitFor(() => post.cases.get('w3')?.status.state === 'delivered', { what: 'w3 delivered', timeoutMs: 30_000 });
    t.equal(hub.cases.count(), 1, 'exactly one case');
    const [c] = hub.cases.list();
    const blob = hub.cases.blobs.get(c!.attachments[0]!.sha256);
    t.equal(blob && createHash('sha256').update(blob).digest('hex'), c!.attachments[0]!.sha256, 'the case is whole: its photo matches its hash');
    // TLS refused the corrupted records before MQTT or the relay saw them: no corrupt chunk reached the application.
    const codes = hubLines.map((l) => l.code).filter((c) => typeof c === 'string');
    t.notOk(codes.includes('CHASQUI_ERR_CHUNK_CORRUPT') || codes.includes('CHASQUI_ERR_MALFORMED_MESSAGE'), `no corrupt chunk or message at the relay (${[...new Set(codes)].join(', ') || 'no codes'})`);
  });
}

t.test('refused at startup: plain to a remote host, mqtts without a pin, an unreadable pin', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const refuse = async (hub: Record<string, unknown>, code: string) => {
    const config = postConfig({ dir, postId: 'post-r', url: 'unused', password: 'x', config: { hub: { password: 'x', identity: someHubIdentity(), ...hub } } });
    const post = buildPost({ config, logger: quietLogger() });
    const err = await post.start().then(() => null, (e: unknown) => e);
    await post.stop();
    t.ok(isChasquiError(err) && err.code === code, `${JSON.stringify(hub)} → ${code} (${(err as Error)?.message})`);
  };
  await refuse({ url: 'mqtt://10.20.30.40:1883', ca: testTls().certFile }, 'CHASQUI_ERR_TLS_PLAIN_REMOTE');
  await refuse({ url: 'ws://hub.example.pe/mqtt' }, 'CHASQUI_ERR_TLS_PLAIN_REMOTE');
  await refuse({ url: 'mqtts://127.0.0.1:8883' }, 'CHASQUI_ERR_TLS_NO_PIN');
  await refuse({ url: 'mqtts://hub.example.pe:8883', ca: join(dir, 'missing.pem') }, 'CHASQUI_ERR_TLS_CERT');
  // The hub applies the same rule to an external broker, and to its own plain listener.
  await t.rejects(startHub({ dir: join(dir, 'h1'), broker: { mode: 'external', url: 'mqtt://broker.example.pe:1883', password: 'p' } }), { code: 'CHASQUI_ERR_TLS_PLAIN_REMOTE' });
  await t.rejects(startHub({ dir: join(dir, 'h2'), broker: { mode: 'external', url: 'mqtts://broker.example.pe:8883', ca: undefined, password: 'p' } }), { code: 'CHASQUI_ERR_TLS_NO_PIN' });
  await t.rejects(startHub({ dir: join(dir, 'h3'), plain: true, broker: { host: '0.0.0.0' } }), { code: 'CHASQUI_ERR_TLS_PLAIN_REMOTE' });
});

t.test('a hub presenting another certificate is refused before anything is sent, and loudly', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const imposterLog = collectingLogger();
  const imposter = await startHub({ dir: join(dir, 'imposter'), logger: imposterLog.logger, broker: { tls: { cert: imposterTls().certFile, key: imposterTls().keyFile } } });
  t.teardown(() => imposter.stop());
  const { logger, lines } = collectingLogger();
  const post = await startPost({ dir, postId: 'post-i', url: imposter.brokerUrl(), password: 'x', logger });
  t.teardown(() => post.stop());
  await waitFor(() => lines.filter((l) => l.code === 'CHASQUI_ERR_TLS_UNTRUSTED').length >= 2, { what: 'two refusals logged' });
  t.notOk(post.connected(), 'never connected');
  t.match(lines.find((l) => l.code === 'CHASQUI_ERR_TLS_UNTRUSTED'), { level: 50, tlsCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  t.notOk(imposterLog.lines.some((l) => l.code === 'CHASQUI_ERR_AUTH'), 'the imposter never saw a CONNECT (no login, no password)');
});

t.test('a reconnect after a cut resumes the TLS session: fewer bytes, no certificate check', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  const password = hub.posts.register('post-s');
  for (const resumeTls of [true, false]) {
    const proxy = new WireProxy(brokerTarget(hub));
    const port = await proxy.start();
    const carrier = new MqttCarrier({
      url: viaPort(hub.brokerUrl(), port), ca: testTls().certFile, clientId: postClientId('post-s'), username: 'post-s', password,
      subscriptions: [], keepaliveS: 5, reconnectMs: 100, connectTimeoutMs: 5000, resumeTls, logger: quietLogger(),
    });
    let connects = 0;
    carrier.on('connected', () => { connects++; });
    await carrier.start();
    await waitFor(() => connects === 1, { what: 'connected' });
    await delay(100); // the session tickets follow the handshake
    proxy.cut();
    await waitFor(() => connects === 2, { what: 'reconnected' });
    const [first, second] = proxy.recorded;
    await carrier.stop();
    await proxy.stop();
    if (resumeTls) {
      t.same(carrier.tlsCounters, { handshakes: 2, resumed: 1 }, 'the reconnect resumed (isSessionReused)');
      t.ok(second!.down.length < first!.down.length - 300, `resumed: ${second!.down.length} B from the broker vs ${first!.down.length} B for a full handshake`);
    } else {
      t.same(carrier.tlsCounters, { handshakes: 2, resumed: 0 }, 'without the session, a full handshake each time');
    }
  }
});

t.test('the hub makes its own key and certificate on first start, key 0600, and its client pins it', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir, broker: { tls: {} } });
  t.teardown(() => hub.stop());
  const tlsDir = join(dir, 'hub', 'tls');
  t.equal(statSync(join(tlsDir, 'hub-key.pem')).mode & 0o777, 0o600, 'key is 0600');
  t.equal(hub.brokerCa(), join(tlsDir, 'hub-cert.pem'));
  t.match(hub.brokerUrl(), /^mqtts:\/\//);
  await waitFor(async () => ((await hub.app.inject({ method: 'GET', url: '/healthz' })).json() as { brokerConnected: boolean }).brokerConnected, { what: 'hub client connected over TLS' });
  t.pass('the hub\'s own client connected to its broker over TLS');
});
