/**
 * The embedded broker under the floods that, on main, took the hub from
 * 117 to 712 MB: a 50 MB PUBLISH and four 250 MB CONNECTs streamed before
 * any login. The hub runs in its own process (test/support/hub-child.ts), so
 * its memory is measured without the test's own buffers; a real post keeps
 * delivering cases to it during and after.
 */
import t from 'tap';
import { connect as tcpConnect, type Socket } from 'node:net';
import { DEFAULT_MAX_PACKET_BYTES } from '../../hub/broker/packet-gate.js';
import { upTopic } from '../../protocol/topics.js';
import type { Post } from '../../node/post.js';
import { HubChild, type Mem } from '../support/hub-child-client.js';
import { connectPacket, fixedHeader, pingreqPacket, publishHead, publishPacket } from '../support/mqtt-bytes.js';
import { tempDir } from '../support/paths.js';
import { brokerSocket, testTls } from '../support/tls.js';
import { startPost } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const MB = 1024 * 1024;
/**
 * Far below the flood: with the cap raised to 100 MB, the 50 MB PUBLISH shows
 * as +46 MB of arrayBuffers in the hub, so a looser bound such as 64 MB would
 * pass a broker that buffers it whole.
 */
const BOUND = 16 * MB;

function open(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = brokerSocket(url, () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads until `n` bytes came back (or the connection closed: then what came). */
function readBytes(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = () => {
      s.off('data', onData);
      resolve(got);
    };
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= n) done();
    };
    s.on('data', onData);
    s.once('close', done);
  });
}

/** Writes `head`, then zeros up to `total` bytes as fast as the socket takes them, until done or cut; returns bytes written. */
function stream(s: Socket, head: Buffer, total: number): Promise<{ written: number; cut: boolean }> {
  const block = Buffer.alloc(256 * 1024);
  return new Promise((resolve) => {
    let written = 0;
    let finished = false;
    const finish = (cut: boolean) => {
      if (finished) return;
      finished = true;
      resolve({ written, cut });
    };
    s.on('error', () => finish(true));
    s.once('close', () => finish(true));
    const pump = () => {
      while (!s.destroyed && written < total) {
        const n = Math.min(block.length, total - written);
        written += n;
        if (!s.write(block.subarray(0, n))) return void s.once('drain', pump);
      }
      if (written >= total) finish(false);
    };
    s.write(head);
    written = head.length;
    pump();
  });
}

async function loggedIn(url: string, postId: string, password: string): Promise<Socket> {
  const s = await open(url);
  s.write(connectPacket({ clientId: `post-${postId}`, username: postId, password }));
  const connack = await readBytes(s, 4);
  // CONNACK, remaining length 2, no session present, return code 0 [MQTT-3.2.2].
  if (!connack.equals(Buffer.from([0x20, 0x02, 0x00, 0x00]))) throw new Error(`login refused: ${connack.toString('hex')}`);
  return s;
}

const growth = (before: Mem, peak: Mem) => ({ rss: peak.rss - before.rss, arrayBuffers: peak.arrayBuffers - before.arrayBuffers });
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const delivered = (post: Post, caseId: string) => () => post.cases.get(caseId)?.status.state === 'delivered';

t.test('oversize packets are cut before the hub buffers them; a real post keeps delivering', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await HubChild.start({ dir, posts: ['post-a', 'post-evil'] });
  t.teardown(() => hub.stop());
  const post = await startPost({ dir, postId: 'post-a', url: hub.brokerUrl, password: hub.passwords['post-a']!, hubIdentity: hub.hubIdentity });
  t.teardown(() => post.stop());
  post.cases.submit({ caseId: 'antes', priority: 'routine', body: { reason: 'control' }, attachments: [{ name: 'a.bin', mediaType: 'application/octet-stream', bytes: Buffer.alloc(200_000, 1) }] });
  await waitFor(delivered(post, 'antes'), { what: 'a case before the floods' });
  const cuts = (cut: string) => hub.lines.filter((l) => l.code === 'CHASQUI_ERR_PACKET_REFUSED' && l.cut === cut).length;

  await t.test('the bytes test/support/mqtt-bytes.ts writes are MQTT real aedes accepts', async (t) => {
    const s = await loggedIn(hub.brokerUrl, 'post-evil', hub.passwords['post-evil']!);
    s.write(pingreqPacket());
    t.same(await readBytes(s, 2), Buffer.from([0xd0, 0x00]), 'PINGRESP');
    s.destroy();
  });

  await t.test('a packet exactly at broker.maxPacketBytes passes; one byte more cuts the connection', async (t) => {
    const topic = upTopic('post-evil');
    const payloadFor = (total: number) => {
      // Total = 1 type byte + the varint + 2 + topic + payload; the varint is 3 bytes at this size.
      const p = total - 1 - 3 - 2 - Buffer.byteLength(topic);
      const packet = publishPacket(topic, Buffer.alloc(p));
      if (packet.length !== total) throw new Error(`built ${packet.length}, wanted ${total}`);
      return packet;
    };
    const at = await loggedIn(hub.brokerUrl, 'post-evil', hub.passwords['post-evil']!);
    at.write(payloadFor(DEFAULT_MAX_PACKET_BYTES));
    at.write(pingreqPacket());
    t.same(await readBytes(at, 2), Buffer.from([0xd0, 0x00]), `${DEFAULT_MAX_PACKET_BYTES} bytes: still connected`);
    at.destroy();
    const over = await loggedIn(hub.brokerUrl, 'post-evil', hub.passwords['post-evil']!);
    const before = cuts('packet-too-large');
    over.write(payloadFor(DEFAULT_MAX_PACKET_BYTES + 1));
    over.write(pingreqPacket());
    t.same(await readBytes(over, 2), Buffer.alloc(0), 'one byte over: closed, no PINGRESP');
    await waitFor(() => cuts('packet-too-large') > before, { what: 'the cut logged' });
  });

  await t.test('a 50 MB PUBLISH from a logged-in client', async (t) => {
    const base = await hub.ask<Mem>('resetPeak');
    const s = await loggedIn(hub.brokerUrl, 'post-evil', hub.passwords['post-evil']!);
    post.cases.submit({ caseId: 'durante-1', priority: 'urgent', body: { reason: 'durante' }, attachments: [] });
    const r = await stream(s, publishHead(upTopic('post-evil'), 50 * MB), 50 * MB);
    const { peak } = await hub.ask<{ peak: Mem }>('mem');
    const g = growth(base, peak);
    t.comment(`50 MB PUBLISH: cut after ${mb(r.written)} written; hub rss ${mb(base.rss)} → peak ${mb(peak.rss)} (+${mb(g.rss)}), arrayBuffers +${mb(g.arrayBuffers)}`);
    t.equal(r.cut, true, 'the connection was cut');
    t.ok(r.written < 50 * MB, 'before the body was all sent');
    t.ok(g.rss < BOUND && g.arrayBuffers < BOUND, `hub memory grew by less than ${mb(BOUND)}`);
    await waitFor(() => cuts('packet-too-large') >= 2, { what: 'cut logged with its code' });
    await waitFor(delivered(post, 'durante-1'), { what: 'the real post delivers during the flood' });
  });

  await t.test('four 250 MB CONNECTs streamed before any login', async (t) => {
    const base = await hub.ask<Mem>('resetPeak');
    post.cases.submit({ caseId: 'durante-2', priority: 'urgent', body: { reason: 'durante' }, attachments: [] });
    const sockets = await Promise.all([0, 1, 2, 3].map(() => open(hub.brokerUrl)));
    const results = await Promise.all(sockets.map((s) => stream(s, fixedHeader(0x10, 250 * MB), 250 * MB)));
    const { peak } = await hub.ask<{ peak: Mem }>('mem');
    const g = growth(base, peak);
    t.comment(`4 × 250 MB CONNECT: cut after ${results.map((r) => mb(r.written)).join(', ')}; hub rss ${mb(base.rss)} → peak ${mb(peak.rss)} (+${mb(g.rss)}), arrayBuffers +${mb(g.arrayBuffers)}`);
    t.ok(results.every((r) => r.cut), 'all four cut');
    t.ok(g.rss < BOUND && g.arrayBuffers < BOUND, `hub memory grew by less than ${mb(BOUND)}`);
    await waitFor(() => cuts('connect-too-large') >= 4, { what: 'four cuts logged' });
    // A real CONNECT, then a PUBLISH header over the pre-login budget while the password is still being checked.
    const early = await open(hub.brokerUrl);
    early.write(Buffer.concat([connectPacket({ clientId: 'post-post-evil', username: 'post-evil', password: hub.passwords['post-evil']! }), publishHead(upTopic('post-evil'), 100 * 1024)]));
    t.same(await readBytes(early, 4), Buffer.alloc(0), 'closed without a CONNACK');
    await waitFor(() => cuts('pre-auth-budget') >= 1, { what: 'the pre-login budget cut logged' });
    await waitFor(delivered(post, 'durante-2'), { what: 'the real post delivers during the floods' });
  });

  post.cases.submit({ caseId: 'despues', priority: 'routine', body: { reason: 'después' }, attachments: [{ name: 'b.bin', mediaType: 'application/octet-stream', bytes: Buffer.alloc(300_000, 2) }] });
  await waitFor(delivered(post, 'despues'), { what: 'a case after the floods' });
  const { rss } = await hub.ask<Mem>('mem');
  t.comment(`hub rss at the end: ${mb(rss)}`);
});
