import t, { type Test } from 'tap';
import { Bitmap } from '../../protocol/bitmap.js';
import { chunkCount } from '../../protocol/chunking.js';
import { SendWindow, type OutgoingTransfer, type SendAction } from '../../protocol/send-window.js';

const C = 8192;
const opts = { chunkSize: C, maxWindowBytes: 1 << 20, minRtoMs: 1000, maxRtoMs: 60_000, initialRtoMs: 3000 };

function transfer(id: string, priority: number, seq: number, chunks: number, started = false): OutgoingTransfer {
  const totalSize = chunks * C;
  return { id, kind: 1, priority, seq, totalSize, chunkSize: C, acked: new Bitmap(chunkCount({ totalSize, chunkSize: C })), started };
}

function drain(w: SendWindow, now: number): SendAction[] {
  const out: SendAction[] = [];
  for (let a = w.next(now); a; a = w.next(now)) out.push(a);
  return out;
}

t.test('nothing moves while disconnected; then two chunks, never stop-and-wait', async (t) => {
  const w = new SendWindow(opts);
  w.add(transfer('a', 1, 1, 10), 0);
  t.equal(w.next(0), null);
  w.onConnected(0);
  const sent = drain(w, 0);
  t.same(sent.map((a) => a.type === 'chunk' && a.index), [0, 1]);
  t.equal(w.unackedBytes, 2 * C);
  w.onAck('a', [0], 100);
  t.same(drain(w, 100).map((a) => a.type === 'chunk' && a.index), [2], 'one ack frees one chunk');
});

t.test('urgent overtakes routine within one chunk', async (t) => {
  const w = new SendWindow(opts);
  w.onConnected(0);
  w.add(transfer('photos', 1, 1, 2500), 0);
  drain(w, 0);
  w.add(transfer('ecg', 0, 2, 3), 10);
  w.onAck('photos', [0], 1000);
  const next = drain(w, 1000);
  t.same(next, [{ type: 'chunk', id: 'ecg', index: 0, bytes: C }]);
});

t.test('after a reconnect it asks for status but keeps sending fresh chunks meanwhile', async (t) => {
  const w = new SendWindow(opts);
  w.onConnected(0);
  w.add(transfer('a', 1, 1, 6), 0);
  t.same(drain(w, 0).map((a) => a.type === 'chunk' && a.index), [0, 1]);
  w.onDisconnected();
  w.onConnected(5000);
  const after = drain(w, 5000);
  t.same(after, [{ type: 'statusRequest', id: 'a' }, { type: 'chunk', id: 'a', index: 2, bytes: C }, { type: 'chunk', id: 'a', index: 3, bytes: C }], 'no idle round trip');
  const have = new Bitmap(6);
  have.set(0);
  w.onStatus('a', { state: 'partial', chunkCount: 6, have: have.toBytes() }, 5600);
  w.onAck('a', [2, 3], 5700);
  t.same(drain(w, 5700).map((a) => a.type === 'chunk' && a.index), [1, 4], 'the lost chunk 1 goes again, 0 does not');
});

t.test('after a restart a started transfer asks first, then sends only what is missing', async (t) => {
  const w = new SendWindow(opts);
  w.add(transfer('a', 1, 1, 6, true), 0);
  w.onConnected(0);
  t.same(drain(w, 0), [{ type: 'statusRequest', id: 'a' }], 'no chunk before the answer');
  const have = new Bitmap(6);
  [0, 1, 3].forEach((i) => have.set(i));
  const outcome = w.onStatus('a', { state: 'partial', chunkCount: 6, have: have.toBytes() }, 600);
  t.same(outcome?.type === 'progress' && outcome.newlyAcked, [0, 1, 3]);
  t.same(drain(w, 600).map((a) => a.type === 'chunk' && a.index), [2, 4]);
});

t.test('the receiver is authoritative: lost chunks sent before the request go again, later ones do not', async (t) => {
  const w = new SendWindow(opts);
  w.onConnected(0);
  w.add(transfer('a', 1, 1, 4), 0);
  drain(w, 0);
  w.tick(10_000);
  const asked = drain(w, 10_000);
  t.same(asked, [{ type: 'statusRequest', id: 'a' }], 'an overdue ack makes it ask');
  w.onAck('a', [0], 10_100);
  t.same(drain(w, 10_100), [{ type: 'chunk', id: 'a', index: 2, bytes: C }], 'chunk 2 leaves after the request');
  const have = new Bitmap(4);
  have.set(0);
  w.onStatus('a', { state: 'partial', chunkCount: 4, have: have.toBytes() }, 10_600);
  t.same(drain(w, 10_600).map((a) => a.type === 'chunk' && a.index), [1], 'only the lost chunk 1 goes again');
  t.equal(w.unackedBytes, 2 * C, 'chunk 2 is still in flight, not resent');
});

/** A two-chunk transfer the receiver has acknowledged whole, but whose completion has not come. */
function fullyAcked(): SendWindow {
  const w = new SendWindow(opts);
  w.onConnected(0);
  w.add(transfer('a', 1, 1, 2), 0);
  drain(w, 0);
  w.onAck('a', [0, 1], 500);
  return w;
}

t.test('a receiver that lost what it acknowledged gets it again', async (t) => {
  const w = fullyAcked();
  t.equal(w.acked('a')?.complete, true);
  w.tick(20_000);
  t.same(drain(w, 20_000), [{ type: 'statusRequest', id: 'a' }], 'no completion yet, so it asks');
  w.onStatus('a', { state: 'unknown' }, 20_500);
  t.same(drain(w, 20_500).map((a) => a.type === 'chunk' && a.index), [0, 1]);
});

t.test('complete and rejected end the transfer', async (t) => {
  const w = new SendWindow(opts);
  w.onConnected(0);
  w.add(transfer('a', 1, 1, 1), 0);
  w.add(transfer('b', 1, 2, 1), 0);
  t.same(w.onStatus('a', { state: 'complete', receipt: 'r1' }, 1), { type: 'delivered', receipt: 'r1' });
  t.same(w.onStatus('b', { state: 'rejected', code: 'X', reason: 'y' }, 1), { type: 'rejected', code: 'X', reason: 'y' });
  t.equal(w.size, 0);
  t.equal(w.unackedBytes, 0);
});

/**
 * A pure simulation of one bottleneck link (rate, one-way delay) with a
 * receiver that acks each chunk on arrival: checks the window keeps the
 * link busy and an urgent case waits at most about one chunk and a round trip.
 */
function simulate(rateBps: number, owdMs: number, chunks: number, urgentAtMs: number, lateEvery = 0) {
  const w = new SendWindow({ ...opts, paceLeadMs: 100 });
  w.onConnected(0);
  w.add(transfer('bulk', 1, 1, chunks), 0);
  const bytesPerMs = rateBps / 8 / 1000;
  let linkFree = 0;
  const events: Array<{ t: number; id: string; index: number }> = [];
  let urgentDone = -1;
  let lastBulkAck = 0;
  let now = 0;
  let urgentAdded = false;
  let sent = 0;
  const send = () => {
    for (let a = w.next(now); a; a = w.next(now)) {
      if (a.type !== 'chunk') continue;
      linkFree = Math.max(linkFree, now) + a.bytes / bytesPerMs;
      sent++;
      // A lost packet holds its chunk's acknowledgement back one round trip (TCP fast retransmit).
      const late = lateEvery > 0 && sent % lateEvery === 0 ? 2 * owdMs : 0;
      events.push({ t: linkFree + 2 * owdMs + late, id: a.id, index: a.index });
    }
  };
  send();
  while (events.length) {
    events.sort((x, y) => x.t - y.t);
    const e = events.shift()!;
    if (!urgentAdded && urgentAtMs < e.t) {
      now = urgentAtMs;
      urgentAdded = true;
      w.add(transfer('urgent', 0, 2, 4), now);
      send();
      events.sort((x, y) => x.t - y.t);
      events.unshift(e);
      continue;
    }
    // The relay polls every 100 ms; the pacer can only act at those moments.
    for (let tick = Math.ceil(now / 100) * 100; tick < e.t; tick += 100) {
      now = tick;
      send();
    }
    events.sort((x, y) => x.t - y.t);
    if (events.length && events[0]!.t < e.t) {
      events.push(e);
      continue;
    }
    now = e.t;
    w.onAck(e.id, [e.index], now);
    if (e.id === 'urgent' && w.acked('urgent')?.complete) urgentDone = now;
    if (e.id === 'bulk') lastBulkAck = now;
    send();
  }
  const busyMs = ((chunks + 4) * C) / bytesPerMs;
  return { utilisation: busyMs / Math.max(lastBulkAck, urgentDone), urgentLatencyMs: urgentDone - urgentAtMs, chunkMs: C / bytesPerMs };
}

/** The bound: its own transfer (4 chunks and a round trip) + one chunk + 2 RTT. */
function urgentWithinBound(t: Test, r: ReturnType<typeof simulate>): void {
  const bound = 4 * r.chunkMs + 600 + r.chunkMs + 2 * 600;
  t.ok(r.urgentLatencyMs <= bound, `urgent ${r.urgentLatencyMs.toFixed(0)} ms ≤ ${bound.toFixed(0)} ms`);
}

t.test('simulated 64 kbit/s, 600 ms RTT: link kept busy, urgent waits about a chunk', async (t) => {
  const r = simulate(64_000, 300, 200, 50_300);
  t.ok(r.utilisation > 0.95, `utilisation ${r.utilisation.toFixed(3)}`);
  urgentWithinBound(t, r);
});

t.test('simulated 512 kbit/s, 600 ms RTT: the window opens to fill the pipe', async (t) => {
  const r = simulate(512_000, 300, 600, 20_000);
  t.ok(r.utilisation > 0.9, `utilisation ${r.utilisation.toFixed(3)}`);
  urgentWithinBound(t, r);
});

t.test('simulated 64 kbit/s with every 8th acknowledgement a round trip late: the pacer keeps the link busy', async (t) => {
  const r = simulate(64_000, 300, 200, 50_300, 8);
  t.ok(r.utilisation > 0.99, `utilisation ${r.utilisation.toFixed(3)}`);
  urgentWithinBound(t, r);
});

t.test('a transfer fully acknowledged but never confirmed asks at once after a reconnect', async (t) => {
  const w = fullyAcked();
  for (const now of [10_000, 30_000, 70_000]) {
    w.tick(now);
    drain(w, now);
  }
  w.onDisconnected();
  w.onConnected(80_000);
  t.same(drain(w, 80_000), [{ type: 'statusRequest', id: 'a' }], 'no waiting out the backoff');
});
