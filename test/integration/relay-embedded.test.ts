/**
 * The store-and-forward core end to end on the embedded aedes broker: real
 * SQLite files, real MQTT over loopback, real ECG records and photos.
 */
import t from 'tap';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { buildBundle, sha256Hex } from '../../protocol/bundle.js';
import { seal } from '../../protocol/sealing.js';
import { loadOrCreateIdentity } from '../../relay/identity-file.js';
import { splitIntoChunks } from '../../protocol/chunking.js';
import { decode, encode, type Message } from '../../protocol/messages.js';
import { downTopic, upTopic } from '../../protocol/topics.js';
import type { Post } from '../../node/post.js';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { collectingLogger } from '../support/logger.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { testTls } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

const ECG = [
  { name: '100s.hea', mediaType: 'text/plain', bytes: sharedFile('ecg/mitdb/100s.hea') },
  { name: '100s.dat', mediaType: 'application/x-wfdb-signal', bytes: sharedFile('ecg/mitdb/100s.dat') },
];
const PHOTO = { name: 'piel.jpg', mediaType: 'image/jpeg', bytes: sharedFile('photos/Sumo_Museum.jpg') };

/**
 * A compromised post: post-a's own credentials, in a tool session the hub
 * allows (broker.toolSessions), which may write as post-a but never read.
 */
const AS_POST_A = { clientId: postClientId('post-a', 'probe'), protocolVersion: 4 as const, reconnectPeriod: 0, ...testTls().clientOptions };

const delivered = (post: Post, caseId: string) => () => post.cases.get(caseId)?.status.state === 'delivered';

t.test('cases travel up once, notices travel down, bad input is refused', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { logger, lines } = collectingLogger();
  const { hub, post, password } = await startPair(t, { dir, postId: 'post-a', hub: { logger, broker: { toolSessions: ['probe'] } } });

  await t.test('a case with a real ECG and photo arrives byte-identical', async (t) => {
    post.cases.submit({ caseId: 'c1', priority: 'urgent', body: { reason: 'dolor torácico' }, attachments: [...ECG, PHOTO] });
    await waitFor(delivered(post, 'c1'), { what: 'c1 delivered' });
    const [c] = hub.cases.list();
    t.equal(c?.caseId, 'c1');
    t.equal(c?.postId, 'post-a');
    for (const a of [...ECG, PHOTO]) {
      const meta = c!.attachments.find((x) => x.name === a.name)!;
      t.ok(hub.cases.blobs.get(meta.sha256)?.equals(a.bytes), `${a.name} byte-identical`);
    }
    t.match(post.cases.get('c1')?.status, { state: 'delivered', receipt: /^hub-case-\d+$/ });
    const health = (await hub.app.inject({ method: 'GET', url: '/healthz' })).json();
    t.match(health, { ok: true, brokerConnected: true, cases: 1, received: { bundles: 1 } }, 'the hub reports what it received');
    t.match((await post.app.inject({ method: 'GET', url: '/healthz' })).json(), { connected: true, queued: 0, sent: { chunksSent: Number } });
  });

  await t.test('sending the same case or bundle again never makes a second case', async (t) => {
    const again = post.cases.submit({ caseId: 'c1', priority: 'urgent', body: { reason: 'otra vez' }, attachments: [] });
    t.equal(again.created, false, 'same case id returns the case already queued');
    // Replay the very same bundle on the wire, as a post restored from an old backup would.
    const c1 = post.cases.get('c1')!;
    const bundle = buildBundle(
      { kind: 'case', id: 'c1', origin: 'post-a', createdAt: c1.createdAt, priority: 'urgent', body: c1.body, attachments: [...ECG, PHOTO] },
      { maxBytes: 64 << 20 },
    );
    // Sealing is deterministic, so the rebuilt case seals to the very transfer the post sent.
    const sealed = seal(bundle.bytes, { sender: loadOrCreateIdentity(join(dir, 'post-a'), 'post-a'), recipient: hub.identity });
    t.equal(sha256Hex(sealed), c1.bundleId, 'rebuilt and sealed again, the bundle has the same address');
    const replay = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, ...AS_POST_A });
    const heard = hub.relay.inboundCounters.messages;
    const parts = splitIntoChunks(sealed, 4096);
    for (const [index, payload] of parts.entries()) {
      const msg = { type: 'chunk' as const, transferId: Buffer.from(c1.bundleId, 'hex'), kind: 1, priority: 0, totalSize: sealed.length, chunkSize: 4096, index, payload };
      await replay.publishAsync(upTopic('post-a'), encode(msg), { qos: 1 });
    }
    await waitFor(() => hub.relay.inboundCounters.messages >= heard + parts.length, { what: 'hub handled every replayed chunk' });
    await replay.endAsync();
    t.equal(hub.cases.count(), 1, 'still one case');
  });

  await t.test('a notice travels down to the post', async (t) => {
    const notice = { type: 'maintenance', startsAt: '2026-12-03T13:00:00.000Z', endsAt: '2026-12-03T15:00:00.000Z', reason: 'softwareUpdate' };
    const { id } = hub.sendToPost('post-a', { kind: 'notice', body: notice });
    await waitFor(() => post.store.messages().find((m) => m.bundleId === id), { what: 'notice at post' });
    t.same(post.store.messages()[0]?.body, notice);
  });

  await t.test('malformed and forged messages are dropped with a logged code; the hub keeps working', async (t) => {
    const rogue = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, ...AS_POST_A });
    await rogue.publishAsync(upTopic('post-a'), Buffer.from('hola, no soy un mensaje'), { qos: 1 });
    const chunk = encode({ type: 'chunk', transferId: Buffer.alloc(32, 7), kind: 1, priority: 1, totalSize: 5000, chunkSize: 4096, index: 9, payload: Buffer.alloc(10) });
    await rogue.publishAsync(upTopic('post-a'), chunk, { qos: 1 });
    // aedes answers an unauthorised publish by closing the connection, so do not wait for a PUBACK.
    rogue.publish(upTopic('post-b'), chunk, { qos: 0 });
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_NOT_AUTHORIZED'), { what: 'refusal logged' });
    await rogue.endAsync(true);
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_CHUNK_CORRUPT'), { what: 'corrupt chunk logged' });
    t.ok(lines.some((l) => l.code === 'CHASQUI_ERR_MALFORMED_MESSAGE'), 'garbage logged as malformed');
    t.ok(lines.some((l) => l.code === 'CHASQUI_ERR_NOT_AUTHORIZED' && l.topic === upTopic('post-b')), 'publishing as another post is refused by the broker');
    // Chunks that are each well-formed but do not add up to their transfer id.
    const fake = Buffer.alloc(6000, 0x41);
    const forgedId = Buffer.alloc(32, 9);
    const forger = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, ...AS_POST_A });
    for (const index of [0, 1]) {
      const payload = fake.subarray(index * 4096, Math.min(fake.length, (index + 1) * 4096));
      await forger.publishAsync(upTopic('post-a'), encode({ type: 'chunk', transferId: forgedId, kind: 1, priority: 1, totalSize: fake.length, chunkSize: 4096, index, payload }), { qos: 1 });
    }
    await forger.endAsync();
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_BUNDLE_HASH_MISMATCH'), { what: 'hash mismatch logged' });
    t.equal(hub.relay.inbox.get('post-a', forgedId.toString('hex'))?.have.count, 0, 'the forged chunks are discarded, to be sent again');
    post.cases.submit({ caseId: 'c2', priority: 'routine', body: { reason: 'control' }, attachments: [ECG[0]!] });
    await waitFor(delivered(post, 'c2'), { what: 'c2 delivered after the garbage' });
    t.equal(hub.cases.count(), 2);
  });

  await t.test('a tool session writes as its post but never reads the post\'s mail', async (t) => {
    const probe = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, ...AS_POST_A });
    t.teardown(() => probe.endAsync(true));
    const answers: Message[] = [];
    probe.on('message', (_topic, payload) => answers.push(decode(payload)));
    // mqtt.js turns a SUBACK of 0x80 (failure, [MQTT-3.9.3-2]) into this error.
    await t.rejects(probe.subscribeAsync(downTopic('post-a'), { qos: 1 }), /Subscribe error/, 'SUBACK refuses the down topic');
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_NOT_AUTHORIZED' && l.clientId === AS_POST_A.clientId && l.topic === downTopic('post-a')), { what: 'refusal logged' });
    const { id } = hub.sendToPost('post-a', { kind: 'notice', body: { type: 'maintenance', startsAt: '2026-12-03T13:00:00.000Z', endsAt: '2026-12-03T14:00:00.000Z', reason: 'linkWork' } });
    await waitFor(() => post.store.messages().find((m) => m.bundleId === id), { what: 'notice at the real post' });
    t.same(answers, [], 'the tool session received nothing meant for the post');
    t.same(hub.broker!.postSessions('post-a').map((x) => x.clientId).sort(), [postClientId('post-a'), AS_POST_A.clientId].sort(), 'the hub knows both sessions of post-a');
  });

  await t.test('a tool name the hub does not allow is refused before any password check', async (t) => {
    for (const tool of ['rogue', 'anything', 'PROBE']) {
      const err = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, clientId: `post-post-a:${tool}`, reconnectPeriod: 0, protocolVersion: 4, ...testTls().clientOptions }).then(
        (c) => c.endAsync().then(() => null),
        (e: Error) => e,
      );
      t.match(err?.message ?? '', /Not authorized|Bad username or password/i, `${tool} refused`);
    }
    t.ok(lines.some((l) => l.code === 'CHASQUI_ERR_NOT_AUTHORIZED' && l.clientId === 'post-post-a:rogue' && /not allowed/.test(String(l.reason))), 'logged with its reason');
  });

  await t.test('a post cannot take over another session by naming its client id', async (t) => {
    for (const clientId of [postClientId('post-b'), postClientId('post-b', 'x'), 'post-post-ab', 'chasqui-hub']) {
      const err = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password, clientId, reconnectPeriod: 0, protocolVersion: 4, ...testTls().clientOptions }).then(
        (c) => c.endAsync().then(() => null),
        (e: Error) => e,
      );
      t.match(err?.message ?? '', /Bad username or password|Not authorized/i, `${clientId} refused`);
    }
  });

  await t.test('a wrong password never gets in', async (t) => {
    const err = await mqtt.connectAsync(hub.brokerUrl(), { username: 'post-a', password: 'wrong', clientId: postClientId('post-a'), reconnectPeriod: 0, protocolVersion: 4, ...testTls().clientOptions }).then(
      (c) => c.endAsync().then(() => null),
      (e: Error) => e,
    );
    t.match(err?.message ?? '', /Bad username or password|Not authorized/i);
    t.ok(lines.some((l) => l.code === 'CHASQUI_ERR_AUTH'));
  });
});

t.test('an oversize bundle is refused by the hub and shown as refused at the post', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'post-big', hub: { maxBundleBytes: 200_000 } });
  post.cases.submit({ caseId: 'big', priority: 'routine', body: {}, attachments: [PHOTO] });
  await waitFor(() => post.cases.get('big')?.status.state === 'rejected', { what: 'rejection' });
  t.match(post.cases.get('big')?.status, { state: 'rejected', code: 'CHASQUI_ERR_BUNDLE_TOO_LARGE' });
  t.equal(hub.cases.count(), 0);
});

t.test('a full disk at the hub loses nothing: the case waits and arrives once there is room', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { logger, lines } = collectingLogger();
  const { hub, post } = await startPair(t, { dir, postId: 'post-full', hub: { maxPageCount: 60, logger } });
  post.cases.submit({ caseId: 'f1', priority: 'urgent', body: {}, attachments: [PHOTO] });
  await waitFor(() => lines.filter((l) => l.code === 'CHASQUI_ERR_DISK_FULL').length >= 2, { what: 'the hub refusing to write twice' });
  t.not(post.cases.get('f1')?.status.state, 'delivered', 'not delivered while the hub disk is full');
  t.equal(hub.cases.count(), 0);
  hub.db.pragma('max_page_count = 1000000');
  await waitFor(delivered(post, 'f1'), { what: 'delivery after space freed', timeoutMs: 30_000 });
  t.equal(hub.cases.count(), 1);
});
