/**
 * The link emulator through real loopback sockets. Bounds on timing are loose
 * on purpose: CI machines are shared, and the emulator only has to be right
 * to within what a protocol on a 600 ms link could notice.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { LinkEmulator, type LinkOptions } from './link-emulator.js';

type Target = { port: number; accepted: () => number; close: () => Promise<void> };

async function serve(handler: (s: Socket) => void): Promise<Target> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    handler(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const echoServer = () => serve((s) => s.pipe(s));

/** Counts bytes per connection and, on the client's FIN, answers with the count. */
function sinkServer(onBytes: (n: number) => void = () => undefined) {
  return serve((s) => {
    let n = 0;
    s.on('data', (b: Buffer) => onBytes((n += b.length)));
    s.on('end', () => s.end(String(n)));
  });
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

function readBytes(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const onData = (b: Buffer) => {
      parts.push(b);
      have += b.length;
      if (have < n) return;
      s.off('data', onData).off('close', onClose);
      resolve(Buffer.concat(parts));
    };
    const onClose = () => reject(new Error(`closed after ${have} of ${n} bytes`));
    s.on('data', onData).on('close', onClose);
  });
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

async function rig(t: Test, target: Target, opts: Partial<LinkOptions>) {
  const link = new LinkEmulator({ upRateBps: 0, downRateBps: 0, latencyMs: 0, lossRate: 0, ...opts, target: { host: '127.0.0.1', port: target.port } });
  const port = await link.start();
  t.teardown(async () => {
    await link.stop();
    await target.close();
  });
  return { link, port };
}

t.test('1 MB arrives intact and in order through 5 % loss, both ways', async (t) => {
  const { link, port } = await rig(t, await echoServer(), { upRateBps: 20e6, downRateBps: 20e6, latencyMs: 2, lossRate: 0.05, seed: 1 });
  const data = randomBytes(1 << 20);
  const s = await dial(port);
  const echoed = readBytes(s, data.length);
  s.write(data);
  t.ok((await echoed).equals(data), 'echo equals what was sent');
  const st = link.stats();
  t.equal(st.upBytes, data.length);
  t.equal(st.downBytes, data.length);
  t.ok(st.lostPackets > 0, `${st.lostPackets} packets lost`);
  for (const r of [st.upRetransmitBytes, st.downRetransmitBytes]) {
    t.ok(r > 0.5 * 0.05 * data.length && r < 1.5 * 0.05 * data.length, `retransmitted ${r} B ≈ 5 % of ${data.length}`);
  }
  s.destroy();
});

t.test('rate: 50 KB at 400 kbit/s takes about a second, and the bottleneck is shared', async (t) => {
  const { port } = await rig(t, await sinkServer(), { upRateBps: 400_000, downRateBps: 400_000 });
  const [a, b] = [await dial(port), await dial(port)];
  const t0 = performance.now();
  a.end(randomBytes(25_000));
  b.end(randomBytes(25_000));
  const replies = await Promise.all([readBytes(a, 5), readBytes(b, 5)]);
  const seconds = (performance.now() - t0) / 1000;
  t.same(replies.map(String), ['25000', '25000']);
  const ideal = (50_000 * 8) / 400_000;
  t.ok(seconds > 0.8 * ideal && seconds < 1.6 * ideal, `${seconds.toFixed(3)} s for an ideal of ${ideal} s`);
});

t.test('rate: 2.5 MB echoed at 20 Mbit/s each way, the CPU is not the limit', async (t) => {
  const { port } = await rig(t, await echoServer(), { upRateBps: 20e6, downRateBps: 20e6, latencyMs: 10 });
  const data = randomBytes(2_500_000);
  const s = await dial(port);
  const t0 = performance.now();
  const echoed = readBytes(s, data.length);
  s.write(data);
  t.ok((await echoed).equals(data), 'echo intact');
  const seconds = (performance.now() - t0) / 1000;
  // Up and down overlap, so the ideal is one pass plus a round trip.
  const ideal = (data.length * 8) / 20e6 + 0.02;
  t.ok(seconds > 0.8 * ideal && seconds < 1.6 * ideal, `${seconds.toFixed(3)} s for an ideal of ${ideal} s`);
  s.destroy();
});

t.test('latency adds about one RTT to a ping-pong', async (t) => {
  const { port } = await rig(t, await echoServer(), { latencyMs: 50 });
  const s = await dial(port);
  const rtts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const pong = readBytes(s, 4);
    s.write('ping');
    await pong;
    rtts.push(performance.now() - t0);
  }
  const median = [...rtts].sort((x, y) => x - y)[2]!;
  t.ok(median >= 99 && median < 160, `median RTT ${median.toFixed(1)} ms for 2 × 50 ms`);
  s.destroy();
});

t.test('back-pressure: a full queue pauses the source instead of buffering', async (t) => {
  let received = 0;
  const queueBytes = 16 * 1024;
  const { link, port } = await rig(t, await sinkServer((n) => (received = n)), { upRateBps: 100_000, queueBytes });
  const s = await dial(port);
  // Write until the sender's own kernel buffers stop taking data; the cap only guards against a broken emulator.
  const chunk = Buffer.alloc(64 * 1024, 7);
  let written = chunk.length;
  while (s.write(chunk) && written < 64 << 20) written += chunk.length;
  let drained = false;
  s.once('drain', () => (drained = true));
  await delay(300);
  const st = link.stats();
  t.ok(written < 64 << 20, `the sender's kernel stopped taking data after ${written} B`);
  t.notOk(drained, 'and stays blocked: the emulator is not reading');
  t.ok(st.peakQueueBytes <= queueBytes + 64 * 1024, `queue peaked at ${st.peakQueueBytes} B`);
  t.ok(received < 20_000, `only ${received} B crossed a 100 kbit/s link in 0.3 s`);
  s.destroy();
});

t.test('half-close: what is queued is flushed before the FIN, both ways', async (t) => {
  const { port } = await rig(t, await sinkServer(), { upRateBps: 1e6, downRateBps: 1e6, latencyMs: 30 });
  const s = await dial(port);
  s.end(randomBytes(40_000));
  const reply = readBytes(s, 5);
  t.equal(String(await reply), '40000');
  await once(s, 'close');
});

t.test('reset outage drops connections and refuses new ones until restore', async (t) => {
  const events: string[] = [];
  const echo = await echoServer();
  const { link, port } = await rig(t, echo, { latencyMs: 5, onOutage: (st) => events.push(st) });
  const s = await dial(port);
  const pong = readBytes(s, 2);
  s.write('hi');
  t.equal(String(await pong), 'hi');
  const closed = once(s, 'close');
  link.cut();
  await closed;
  t.pass('the open connection dropped');

  const before = echo.accepted();
  const late = connect({ host: '127.0.0.1', port });
  late.on('error', () => undefined);
  let gotData = false;
  late.on('data', () => (gotData = true));
  await once(late, 'close');
  t.notOk(gotData, 'a new connection during the outage gets nothing');
  t.equal(echo.accepted(), before, 'and never reaches the target');
  await waitUntil(() => link.stats().activeConnections === 0, 1000, 'connections gone');

  link.restore();
  const again = await dial(port);
  const pong2 = readBytes(again, 5);
  again.write('again');
  t.equal(String(await pong2), 'again', 'works again after restore');
  const st = link.stats();
  t.equal(st.outages, 1);
  t.ok(st.outageMs > 0);
  t.same(events, ['down', 'up']);
  again.destroy();
});

t.test('blackhole outage stalls both ways, then resumes with the stream intact', async (t) => {
  const echo = await echoServer();
  const { link, port } = await rig(t, echo, { upRateBps: 2e6, downRateBps: 2e6, latencyMs: 5, outageMode: 'blackhole', queueBytes: 16 * 1024 });
  const a = await dial(port);
  const first = randomBytes(20_000);
  const echoed1 = readBytes(a, first.length);
  a.write(first);
  t.ok((await echoed1).equals(first));

  link.cut();
  const second = randomBytes(120_000);
  let during = 0;
  const counter = () => (during += 1);
  a.on('data', counter);
  const echoed2 = readBytes(a, second.length);
  a.write(second);
  const acceptedBefore = echo.accepted();
  const b = await dial(port);
  b.write('late');
  await delay(200);
  a.off('data', counter);
  t.equal(during, 0, 'nothing crossed during the outage');
  t.notOk(a.destroyed, 'the connection stayed open');
  t.equal(echo.accepted(), acceptedBefore, 'the new connection is held, not connected through');
  t.ok(link.stats().peakQueueBytes <= 16 * 1024 + 64 * 1024, 'the held bytes stay within the queue');

  const echoedB = readBytes(b, 4);
  link.restore();
  t.ok((await echoed2).equals(second), 'the stalled stream resumes intact');
  t.equal(String(await echoedB), 'late', 'the held connection goes through');
  a.destroy();
  b.destroy();
});

t.test('random outages come and go; cut(ms) restores by itself', async (t) => {
  const events: string[] = [];
  const { link } = await rig(t, await echoServer(), {
    outages: { meanIntervalMs: 40, minDurationMs: 10, maxDurationMs: 30 }, seed: 5, onOutage: (s) => events.push(s),
  });
  await waitUntil(() => link.stats().outages >= 3 && events.at(-1) === 'up', 3000, 'three random outages');
  t.ok(events.every((e, i) => e === (i % 2 ? 'up' : 'down')), `down and up alternate: ${events.join(' ')}`);
  t.ok(link.stats().outageMs >= 30, `outage time ${link.stats().outageMs.toFixed(0)} ms`);

  const manualEvents: string[] = [];
  const { link: manual } = await rig(t, await echoServer(), { onOutage: (s) => manualEvents.push(s) });
  const t0 = performance.now();
  manual.cut(60);
  await waitUntil(() => manualEvents.length === 2, 1000, 'timed restore');
  t.ok(performance.now() - t0 >= 59, 'cut(ms) restores by itself after the given time');
  t.equal(manual.stats().outages, 1);
});

t.test('an unreachable target closes the client without crashing', async (t) => {
  const gone = await echoServer();
  const port = gone.port;
  await gone.close();
  const link = new LinkEmulator({ target: { host: '127.0.0.1', port }, upRateBps: 0, downRateBps: 0, latencyMs: 0, lossRate: 0 });
  const p = await link.start();
  const s = await dial(p);
  await once(s, 'close');
  t.pass('client closed');
  await link.stop();
  await link.stop();
});

t.test('stop() leaves no open handles: a process using the link exits by itself', async (t) => {
  const here = fileURLToPath(import.meta.url);
  const lib = pathToFileURL(here.replace(/link-emulator\.test\.js$/, 'link-emulator.js')).href;
  const script = `
    import { createServer, connect } from 'node:net';
    import { once } from 'node:events';
    const { LinkEmulator } = await import(${JSON.stringify(lib)});
    const echo = createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const link = new LinkEmulator({ target: { host: '127.0.0.1', port: echo.address().port }, upRateBps: 1e6, downRateBps: 1e6,
      latencyMs: 20, lossRate: 0.1, outages: { meanIntervalMs: 5000, minDurationMs: 100, maxDurationMs: 200 }, outageMode: 'blackhole', seed: 3 });
    const c = connect({ host: '127.0.0.1', port: await link.start() });
    c.on('error', () => {});
    c.write(Buffer.alloc(200000));
    await new Promise((r) => c.once('data', r));
    link.cut();
    await Promise.all([link.stop(), link.stop()]);
    await link.stop();
    echo.close();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  t.equal(signal, null, 'exited without being killed');
  t.equal(code, 0, stderr || 'exit code 0');
});
