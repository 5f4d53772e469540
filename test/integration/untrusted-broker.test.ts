/**
 * The broker is a carrier, not a judge: here it is a real Mosquitto whose
 * accounts the attacker holds (a national cluster run by someone else, or a
 * stolen hub password). Whatever they publish, nothing forged is accepted:
 * a counter-reference not signed by the hub's key, another post's bundle
 * replayed as this post's, a case re-signed with the wrong key, a "complete"
 * the hub never said. Each is refused and counted, and the nurse sees none.
 */
import t from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { buildBundle, sha256Hex } from '../../protocol/bundle.js';
import { splitIntoChunks } from '../../protocol/chunking.js';
import { generateIdentity, type Identity, type PublicIdentity } from '../../protocol/identity.js';
import { encode } from '../../protocol/messages.js';
import { Priority, TransferKind } from '../../protocol/priority.js';
import { seal } from '../../protocol/sealing.js';
import { downTopic, upTopic } from '../../protocol/topics.js';
import { loadOrCreateIdentity } from '../../relay/identity-file.js';
import { mosquittoSkip, startMosquitto } from '../support/mosquitto.js';
import { tempDir } from '../support/paths.js';
import { testTls } from '../support/tls.js';
import { enrolPost, startHub, startPost } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const HUB_PW = 'hub-secret';
const POST_PW = 'post-secret';

function bundle(kind: 'case' | 'counter-reference', id: string, origin: string, body: unknown): Buffer {
  return buildBundle({ kind, id, origin, createdAt: new Date().toISOString(), priority: 'urgent', body, attachments: [] }, { maxBytes: 1 << 20 }).bytes;
}

async function publishTransfer(client: MqttClient, topic: string, sealed: Buffer, kind: number): Promise<string> {
  const id = sha256Hex(sealed);
  for (const [index, payload] of splitIntoChunks(sealed, 4096).entries()) {
    const msg = { type: 'chunk' as const, transferId: Buffer.from(id, 'hex'), kind, priority: Priority.urgent, totalSize: sealed.length, chunkSize: 4096, index, payload };
    await client.publishAsync(topic, encode(msg), { qos: 1 });
  }
  return id;
}

t.test('an attacker holding the broker gets nothing forged accepted', { skip: mosquittoSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const mosq = await startMosquitto({
    users: [{ username: 'chasqui-hub', password: HUB_PW }, { username: 'post-a', password: POST_PW }, { username: 'post-b', password: POST_PW }],
    hubUser: 'chasqui-hub',
  });
  t.teardown(() => mosq.stop());
  const hub = await startHub({ dir, broker: { mode: 'external', url: mosq.url, ca: mosq.ca, username: 'chasqui-hub', password: HUB_PW } });
  t.teardown(() => hub.stop());
  const { hubIdentity } = enrolPost(hub, dir, 'post-a', { password: POST_PW });
  enrolPost(hub, dir, 'post-b', { password: POST_PW });
  const post = await startPost({ dir, postId: 'post-a', url: mosq.url, password: POST_PW, hubIdentity });
  t.teardown(() => post.stop());
  const postA: Identity = loadOrCreateIdentity(join(dir, 'post-a'), 'post-a');
  const postB: Identity = loadOrCreateIdentity(join(dir, 'post-b'), 'post-b');
  const hubKeys: PublicIdentity = hub.identity;
  // Mosquitto binds the client id to the account, so each attack takes over the real session for a
  // moment; it starts once both ends are back, or what it sends would be lost rather than refused.
  const connect = async (username: string, password: string) => {
    await waitFor(async () => post.connected() && (await hub.app.inject({ method: 'GET', url: '/healthz' })).json().brokerConnected, { what: 'post and hub connected' });
    return mqtt.connectAsync(mosq.url, { username, password, clientId: username, protocolVersion: 4, reconnectPeriod: 0, ...testTls().clientOptions });
  };

  /** Publishes a sealed case on post-a's topic with post-a's own credentials; resolves to the hub's refusal code. */
  const refusedAtHub = async (sealed: Buffer): Promise<string | null | undefined> => {
    const attacker = await connect('post-a', POST_PW);
    const id = await publishTransfer(attacker, upTopic('post-a'), sealed, TransferKind.case);
    await attacker.endAsync();
    await waitFor(() => hub.relay.inbox.get('post-a', id)?.state === 'rejected', { what: 'the hub to refuse it' });
    return hub.relay.inbox.get('post-a', id)?.rejectCode;
  };

  post.cases.submit({ caseId: 'c1', priority: 'urgent', body: { reason: 'fiebre' }, attachments: [] });
  await waitFor(() => post.cases.get('c1')?.status.state === 'delivered', { what: 'the real case delivered' });

  await t.test('another post\'s genuine bundle, replayed as this post\'s, is refused', async (t) => {
    const sealed = seal(bundle('case', 'b-case', 'post-b', { reason: 'de otro puesto' }), { sender: postB, recipient: hubKeys });
    t.equal(await refusedAtHub(sealed), 'CHASQUI_ERR_SEAL');
    t.equal(hub.cases.find('post-a', 'b-case'), undefined);
    t.equal(hub.cases.find('post-b', 'b-case'), undefined);
  });

  await t.test('a case re-signed with a key the hub does not know is refused', async (t) => {
    const forger = generateIdentity('post-a');
    const sealed = seal(bundle('case', 'forged-case', 'post-a', { reason: 'falso' }), { sender: forger, recipient: hubKeys });
    t.equal(await refusedAtHub(sealed), 'CHASQUI_ERR_SIGNATURE');
    t.equal(hub.relay.inboundCounters.untrusted, 2, 'both refusals counted at the hub');
    t.equal(hub.cases.count(), 1, 'only the real case');
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    t.match(metrics, /^chasqui_hub_untrusted_bundles_total 2$/m, 'operators see the refusals in /metrics');
    t.equal((await hub.app.inject({ method: 'GET', url: '/healthz' })).json().received.untrusted, 2, 'and in /healthz');
  });

  await t.test('a counter-reference signed with any key but the hub\'s is refused; the nurse never sees it', async (t) => {
    const fake = { type: 'answer', caseId: 'c1', author: { name: 'Dra. Ana Quispe', specialty: 'cardiologia' }, sentAt: new Date().toISOString(), assessment: 'Suspender aspirina' };
    const impostor = generateIdentity('hub');
    const sealed = seal(bundle('counter-reference', 'fake-1', 'hub', fake), { sender: impostor, recipient: postA });
    const attacker = await connect('chasqui-hub', HUB_PW);
    const id = await publishTransfer(attacker, downTopic('post-a'), sealed, TransferKind.counterReference);
    await attacker.endAsync();
    await waitFor(() => post.relay.inbox.get('hub', id)?.state === 'rejected', { what: 'forgery refused at the post' });
    t.equal(post.relay.inbox.get('hub', id)?.rejectCode, 'CHASQUI_ERR_SIGNATURE');
    t.equal(post.relay.inboundCounters.untrusted, 1, 'counted');
    t.same(post.threads.byCase('c1'), [], 'nothing in the case\'s thread');
    t.equal(post.threads.unreadCount(), 0, 'no new message for the nurse');
  });

  await t.test('a "complete" the hub did not sign does not end a transfer', async (t) => {
    const attacker = await connect('chasqui-hub', HUB_PW);
    const c2 = post.cases.submit({ caseId: 'c2', priority: 'urgent', body: { reason: 'tos' }, attachments: [] }).view;
    const forged = { type: 'status' as const, transferId: Buffer.from(c2.bundleId, 'hex'), state: 'complete' as const, receipt: 'forged-receipt' };
    await attacker.publishAsync(downTopic('post-a'), encode(forged), { qos: 1 });
    await attacker.publishAsync(downTopic('post-a'), encode({ ...forged, signature: Buffer.alloc(64, 1) }), { qos: 1 });
    await attacker.endAsync();
    await waitFor(() => post.relay.counters.forgedStatuses >= 2, { what: 'forged statuses counted' });
    await waitFor(() => post.cases.get('c2')?.status.state === 'delivered', { what: 'c2 delivered for real' });
    t.match(post.cases.get('c2')?.status, { receipt: /^hub-case-\d+$/ }, 'the receipt is the hub\'s own');
    t.ok(hub.cases.find('post-a', 'c2'), 'and the hub has it');
  });
});
