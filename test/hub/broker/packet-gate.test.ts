/**
 * The packet gate fed MQTT 3.1.1 bytes (test/support/mqtt-bytes.ts, which the
 * broker-limits integration test proves real aedes accepts), split at every
 * offset, and headers no library would write: varints over four bytes,
 * reserved types. No sockets, no clock.
 */
import t from 'tap';
import { DEFAULT_MAX_PACKET_BYTES, PacketGate, type GateLimits } from '../../../hub/broker/packet-gate.js';
import { MAX_CHUNK } from '../../../protocol/chunking.js';
import { CHUNK_OVERHEAD } from '../../../protocol/messages.js';
import { connectPacket, pingreqPacket, publishPacket, subscribePacket } from '../../support/mqtt-bytes.js';

const LIMITS: GateLimits = { maxConnectBytes: 1024, preAuthBytes: 2048, maxPacketBytes: 8192 };

const connect = (password = 'secreto') => connectPacket({ clientId: 'post-post-a', username: 'post-a', password, clean: false });
const publish = (bytes: number) => publishPacket('chasqui/v1/post-a/up', Buffer.alloc(bytes));
const subscribe = () => subscribePacket(1, 'chasqui/v1/post-a/down');
const pingreq = () => pingreqPacket();

/** Feeds `stream` split at `cuts`; returns the first verdict that is not null and the offset it came at. */
function feedSplit(gate: PacketGate, stream: Buffer, cuts: number[]) {
  let from = 0;
  for (const at of [...cuts, stream.length]) {
    const verdict = gate.feed(stream.subarray(from, at));
    if (verdict) return { verdict, at };
    from = at;
  }
  return { verdict: null, at: stream.length };
}

t.test('a normal session passes whole, and split at every single offset', async (t) => {
  const stream = Buffer.concat([connect(), subscribe(), publish(3000), pingreq(), publish(0)]);
  const gateWhole = new PacketGate(LIMITS);
  t.equal(gateWhole.feed(connect()), null);
  gateWhole.authenticated();
  t.equal(gateWhole.feed(stream.subarray(connect().length)), null);
  for (let cut = 1; cut < stream.length; cut++) {
    const gate = new PacketGate(LIMITS);
    gate.authenticated();
    const r = feedSplit(gate, stream, [cut]);
    if (r.verdict) t.fail(`split at ${cut}: ${r.verdict}`);
  }
  // One byte at a time is the worst case for a varint across reads.
  const gate = new PacketGate(LIMITS);
  gate.authenticated();
  t.equal(feedSplit(gate, stream, [...stream.keys()].slice(1)).verdict, null, 'byte by byte');
});

t.test('a remaining length split across reads is still read right', async (t) => {
  // 3000 bytes need a two-byte varint; 3 MB needs four. Cut between every varint byte.
  for (const size of [127, 128, 16383, 16384, 3_000_000]) {
    const head = publish(size).subarray(0, 6);
    const gate = new PacketGate({ ...LIMITS, maxPacketBytes: 4_000_000 });
    gate.feed(connect());
    gate.authenticated();
    const r = feedSplit(gate, head, [1, 2, 3, 4, 5]);
    t.equal(r.verdict, null, `${size} bytes announced, header split byte by byte`);
  }
  const gate = new PacketGate(LIMITS);
  gate.feed(connect());
  gate.authenticated();
  const r = feedSplit(gate, publish(10_000), [1, 2, 3]);
  t.same(r, { verdict: 'packet-too-large', at: 3 }, 'cut on the last length byte, before any of the body');
});

t.test('the first packet must be a small CONNECT', async (t) => {
  t.equal(new PacketGate(LIMITS).feed(publish(10)), 'first-not-connect', 'a PUBLISH before CONNECT [MQTT-3.1.0-1]');
  t.equal(new PacketGate(LIMITS).feed(subscribe()), 'first-not-connect');
  t.equal(new PacketGate(LIMITS).feed(connect('x'.repeat(2000))), 'connect-too-large', 'credentials of 2000 bytes over a 1 KiB cap');
  // A 250 MB CONNECT is refused on its fifth byte: nothing of it is held.
  const huge = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x01]);
  const gate = new PacketGate(DEFAULT_LIMITS_FOR_TEST());
  t.same(feedSplit(gate, huge, [1, 2, 3, 4]), { verdict: 'connect-too-large', at: 5 });
  t.equal(gate.feed(connect()), 'connect-too-large', 'a cut gate stays cut');
  const second = new PacketGate(LIMITS);
  second.feed(connect());
  second.authenticated();
  t.equal(second.feed(connect()), 'malformed-header', 'a second CONNECT is a protocol violation [MQTT-3.1.0-2]');
});

t.test('before the login is accepted only a small budget passes', async (t) => {
  const gate = new PacketGate(LIMITS);
  t.equal(gate.feed(connect()), null);
  t.equal(gate.feed(pingreq()), null, 'a PINGREQ while the password is checked is fine');
  t.equal(gate.feed(publish(2000)), 'pre-auth-budget', 'a publish that would take it over 2 KiB before authentication');
  const later = new PacketGate(LIMITS);
  later.feed(connect());
  later.authenticated();
  t.equal(later.feed(publish(2000)), null, 'the same publish once authenticated');
  t.equal(later.feed(publish(2000)), null, 'and again: the budget is only for before');
});

t.test('after login, the cap is per packet', async (t) => {
  const gate = new PacketGate(LIMITS);
  gate.feed(connect());
  gate.authenticated();
  const justUnder = publish(8192 - 100);
  const overhead = justUnder.length - (8192 - 100);
  t.equal(gate.feed(publish(8192 - overhead)), null, 'exactly at the cap');
  t.equal(gate.feed(publish(8192 - overhead + 1)), 'packet-too-large', 'one byte over');
});

t.test('malformed remaining lengths and reserved types cut the connection', async (t) => {
  const start = () => {
    const g = new PacketGate(LIMITS);
    g.feed(connect());
    g.authenticated();
    return g;
  };
  t.equal(start().feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), 'malformed-header', 'a fifth length byte [MQTT-2.2.3]');
  t.equal(feedSplit(start(), Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80]), [1, 2, 3, 4]).verdict, 'malformed-header', 'split across reads too');
  t.equal(start().feed(Buffer.from([0x00, 0x00])), 'malformed-header', 'type 0 is reserved');
  t.equal(new PacketGate(LIMITS).feed(Buffer.from([0x00, 0x00])), 'malformed-header', 'even as the first packet');
});

t.test('the default cap sits just above the largest relay chunk', async (t) => {
  t.ok(DEFAULT_MAX_PACKET_BYTES > MAX_CHUNK + CHUNK_OVERHEAD + 200, 'a full chunk with its framing and topic fits');
  t.ok(DEFAULT_MAX_PACKET_BYTES < MAX_CHUNK + 16 * 1024, 'and not much more');
  const gate = new PacketGate();
  gate.feed(connect());
  gate.authenticated();
  t.equal(gate.feed(publish(MAX_CHUNK + CHUNK_OVERHEAD)), null, 'the largest chunk passes');
});

function DEFAULT_LIMITS_FOR_TEST(): GateLimits {
  return { maxConnectBytes: 64 * 1024, preAuthBytes: 64 * 1024, maxPacketBytes: DEFAULT_MAX_PACKET_BYTES };
}
