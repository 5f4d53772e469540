/**
 * The external-broker mode's security rests entirely on the files
 * hub/broker/mosquitto-files.ts writes. This runs a real Mosquitto on exactly
 * those files and checks, from real MQTT clients, that the listener is TLS
 * only and that posts are confined.
 */
import { connect as tlsConnect } from 'node:tls';
import t from 'tap';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { generatePassword } from '../../hub/broker/credentials.js';
import { ALL_UP, downTopic, upTopic } from '../../protocol/topics.js';
import { mosquittoSkip, startMosquitto, type RunningMosquitto } from '../support/mosquitto.js';
import { imposterTls, testTls } from '../support/tls.js';
import { delay, waitFor } from '../support/wait.js';

const HUB = 'chasqui-hub';
const PW = { 'post-a': generatePassword(), 'post-b': generatePassword(), [HUB]: generatePassword() };
const USERS = Object.entries(PW).map(([username, password]) => ({ username, password }));
// MQTT 3.1.1 return code 5, "not authorized", which Mosquitto 2 sends for any failed login.
const REFUSED = { code: 5 };
const SUBACK_FAILURE = 128;

type Received = Array<{ topic: string; text: string }>;

/** Connects and records every message the client receives; the teardown closes it. */
function clientsFor(t: { teardown(fn: () => unknown): void }, broker: RunningMosquitto) {
  const open: MqttClient[] = [];
  t.teardown(() => Promise.all(open.filter((c) => !c.disconnected).map((c) => c.endAsync(true))));
  return async (username: string, password: string, extra: IClientOptions = {}) => {
    const client = mqtt.connect(broker.url, options(username, password, extra));
    open.push(client);
    const received: Received = [];
    // Listen before CONNACK: a resumed session's queued messages arrive right behind it,
    // before an awaited connectAsync() would let us attach a handler.
    client.on('message', (topic, payload) => received.push({ topic, text: payload.toString('utf8') }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return { client, received };
  };
}

function options(username: string | undefined, password: string | undefined, extra: IClientOptions = {}): IClientOptions {
  // No reconnecting: a refused login must surface as one rejected promise, not a retry loop.
  return {
    username, password, clientId: `${username ?? 'anon'}-${Math.random().toString(36).slice(2, 8)}`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
    ...testTls().clientOptions, ...extra,
  };
}

/** "granted" or "refused (128)"; either is acceptable as long as nothing is delivered. */
async function subackFor(client: MqttClient, filter: string): Promise<string> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return `granted QoS ${granted[0]?.qos}`;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === SUBACK_FAILURE) return `refused (${code})`;
    throw err;
  }
}

const texts = (r: Received) => r.map((m) => m.text);

t.test('an external Mosquitto on the generated files authenticates and confines posts', { skip: mosquittoSkip() }, async (t) => {
  const broker = await startMosquitto({ users: USERS, hubUser: HUB });
  t.teardown(() => broker.stop());
  const connect = clientsFor(t, broker);

  await t.test('the listener speaks TLS only: 1.3 by default, 1.2 for an older peer, nothing in the clear', async (t) => {
    const handshake = (extra: object) => new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: broker.port, ca: testTls().cert, ...extra }, () => { resolve(s.getProtocol() ?? ''); s.end(); });
      s.once('error', reject);
    });
    t.equal(await handshake({}), 'TLSv1.3');
    t.equal(await handshake({ maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    await t.rejects(handshake({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), 'TLS 1.1 is refused');
    const plain = `mqtt://127.0.0.1:${broker.port}`;
    await t.rejects(mqtt.connectAsync(plain, { ...options('post-a', PW['post-a']), connectTimeout: 1500 }, false), 'plain MQTT gets no CONNACK');
    await t.rejects(mqtt.connectAsync(broker.url, options('post-a', PW['post-a'], { ca: [imposterTls().cert] }), false),
      { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'a client that pins another certificate refuses this broker');
  });

  await t.test('logins: wrong password, another post\'s password, unknown user and anonymous are refused', async (t) => {
    const url = broker.url;
    await t.rejects(mqtt.connectAsync(url, options('post-a', 'wrong'), false), REFUSED, 'wrong password');
    await t.rejects(mqtt.connectAsync(url, options('post-a', PW['post-b']), false), REFUSED, 'another post\'s password');
    await t.rejects(mqtt.connectAsync(url, options(HUB, PW['post-a']), false), REFUSED, 'a post\'s password for the hub account');
    await t.rejects(mqtt.connectAsync(url, options('post-c', PW['post-a']), false), REFUSED, 'unknown user');
    await t.rejects(mqtt.connectAsync(url, options(undefined, undefined), false), REFUSED, 'anonymous');
  });

  const hub = await connect(HUB, PW[HUB]);
  const a = await connect('post-a', PW['post-a']);
  const b = await connect('post-b', PW['post-b']);
  await hub.client.subscribeAsync(ALL_UP, { qos: 1 });
  await a.client.subscribeAsync(downTopic('post-a'), { qos: 1 });
  await b.client.subscribeAsync(downTopic('post-b'), { qos: 1 });

  await t.test('a post\'s QoS 1 publish on its own up topic reaches the hub', async (t) => {
    await a.client.publishAsync(upTopic('post-a'), 'hola', { qos: 1 });
    await waitFor(() => texts(hub.received).includes('hola'), { what: 'hub receives hola' });
    t.same(hub.received.at(-1), { topic: upTopic('post-a'), text: 'hola' });
  });

  await t.test('a post cannot publish as another post or as the hub', async (t) => {
    for (const c of [hub, a, b]) c.received.length = 0;
    // Mosquitto 2 still PUBACKs a refused QoS 1 publish, so only non-delivery can show the refusal.
    await a.client.publishAsync(upTopic('post-b'), 'forged-up', { qos: 1 });
    await a.client.publishAsync(downTopic('post-b'), 'forged-down', { qos: 1 });
    await a.client.publishAsync(downTopic('post-a'), 'forged-own-down', { qos: 1 });
    // Per-connection ordering: once this arrives, anything allowed before it would have too.
    await a.client.publishAsync(upTopic('post-a'), 'sentinel-a', { qos: 1 });
    await waitFor(() => texts(hub.received).includes('sentinel-a'), { what: 'hub receives sentinel-a' });
    t.same(hub.received, [{ topic: upTopic('post-a'), text: 'sentinel-a' }], 'only the sentinel reached the hub');
    // Post-a's publishes were PUBACKed, so they were routed (or dropped) before this hub write.
    await hub.client.publishAsync(downTopic('post-b'), 'sentinel-b', { qos: 1 });
    await waitFor(() => texts(b.received).includes('sentinel-b'), { what: 'post-b receives sentinel-b' });
    t.same(b.received, [{ topic: downTopic('post-b'), text: 'sentinel-b' }], 'post-b got nothing from post-a');
    t.same(a.received, [], 'post-a did not receive its own forged down message');
  });

  await t.test('a post that subscribes beyond its own down topic receives nothing through it', async (t) => {
    // Mosquitto 2.0's acl_file never refuses a SUBSCRIBE (security_default.c: "FIXME - implement
    // ACL subscription strings"); it grants the SUBACK and checks `read` on every delivery instead.
    // So the property that matters, and the one tested, is non-delivery. A broker that does
    // refuse (SUBACK 128) is equally correct.
    const filters = [downTopic('post-b'), 'chasqui/v1/+/down', '#', upTopic('post-b'), ALL_UP];
    for (const filter of filters) t.comment(`${filter}: ${await subackFor(a.client, filter)}`);
    for (const c of [a, b]) c.received.length = 0;
    await b.client.publishAsync(upTopic('post-b'), 'b-up', { qos: 1 });
    await hub.client.publishAsync(downTopic('post-b'), 'b-down', { qos: 1 });
    // Both were PUBACKed, hence routed, before this; post-a's queue is in order.
    await hub.client.publishAsync(downTopic('post-a'), 'sentinel-own', { qos: 1 });
    await waitFor(() => texts(a.received).includes('sentinel-own'), { what: 'post-a receives sentinel-own' });
    t.same(a.received, [{ topic: downTopic('post-a'), text: 'sentinel-own' }], 'only its own down message, once');
    t.same(texts(b.received), ['b-down'], 'post-b still gets its own message');
  });

  await t.test('the hub\'s publish on a post\'s down topic reaches that post only', async (t) => {
    a.received.length = 0;
    b.received.length = 0;
    await hub.client.publishAsync(downTopic('post-a'), 'aviso', { qos: 1 });
    await waitFor(() => a.received.length > 0, { what: 'post-a receives aviso' });
    t.same(a.received, [{ topic: downTopic('post-a'), text: 'aviso' }]);
    await delay(100);
    t.same(b.received, [], 'post-b got nothing');
  });

  await t.test('the hub cannot forge a post\'s up message', async (t) => {
    hub.received.length = 0;
    await hub.client.publishAsync(upTopic('post-a'), 'forged-by-hub', { qos: 1 });
    await a.client.publishAsync(upTopic('post-a'), 'sentinel-hub', { qos: 1 });
    await waitFor(() => texts(hub.received).includes('sentinel-hub'), { what: 'hub receives sentinel-hub' });
    t.same(texts(hub.received), ['sentinel-hub']);
  });
});

t.test('with persistence, a message queued for an offline post survives a broker restart', { skip: mosquittoSkip() }, async (t) => {
  const broker = await startMosquitto({ users: USERS, hubUser: HUB, persistence: true });
  t.teardown(() => broker.stop());
  const connect = clientsFor(t, broker);
  // A persistent session (clean: false) is the post's mailbox while it is away.
  const mailbox: IClientOptions = { clientId: 'post-a-mailbox', clean: false };
  const first = await connect('post-a', PW['post-a'], mailbox);
  await first.client.subscribeAsync(downTopic('post-a'), { qos: 1 });
  await first.client.endAsync();

  const hub = await connect(HUB, PW[HUB]);
  await hub.client.publishAsync(downTopic('post-a'), 'mientras dormías', { qos: 1 });
  await hub.client.endAsync();
  await broker.restart();

  const again = await connect('post-a', PW['post-a'], mailbox);
  await waitFor(() => again.received.length > 0, { what: 'queued message after restart' });
  t.same(again.received, [{ topic: downTopic('post-a'), text: 'mientras dormías' }]);
});
