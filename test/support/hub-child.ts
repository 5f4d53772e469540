/**
 * A real hub in a process of its own, so a test can measure that process's
 * memory while it floods the broker from outside: the test's own buffers
 * never count. Started with `fork()` by hub-child-client.ts; answers over IPC.
 * Peak memory is sampled every 10 ms, since a buffer that grows and is freed
 * between two "before/after" reads would otherwise go unseen.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { enrolPost, startHub } from './stack.js';
import { createLogger } from '../../lib/logger.js';

type Setup = { dir: string; posts: string[]; accounts?: Array<{ username: string; secret: string }>; broker?: Record<string, unknown> };
type Request = { id: number; op: 'mem' | 'resetPeak' | 'loginStats' | 'lag' | 'stop' };

const setup = JSON.parse(process.argv[2]!) as Setup;
// Logs go to stdout as JSON lines; the parent reads codes from them.
const hub = await startHub({ dir: setup.dir, logger: createLogger({ name: 'hub-child', level: 'info' }), ...(setup.broker ? { broker: setup.broker } : {}) });
const enrolled = setup.posts.map((id) => [id, enrolPost(hub, setup.dir, id)] as const);
const passwords = Object.fromEntries(enrolled.map(([id, e]) => [id, e.password]));
const hubIdentity = enrolled[0]?.[1].hubIdentity ?? '';
for (const a of setup.accounts ?? []) {
  await hub.auth.accounts.create({ username: a.username, displayName: a.username, role: 'specialist', kind: 'password', secret: a.secret, data: { specialties: ['cardiology'] } });
}

// How long the event loop stalled: a stall is what every other client and every sign-in would wait behind.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const gc = (globalThis as { gc?: () => void }).gc;
const now = () => ({ rss: process.memoryUsage.rss(), arrayBuffers: process.memoryUsage().arrayBuffers });
let peak = now();
const sampler = setInterval(() => {
  const m = now();
  peak = { rss: Math.max(peak.rss, m.rss), arrayBuffers: Math.max(peak.arrayBuffers, m.arrayBuffers) };
}, 10);

process.on('message', (msg: Request) => {
  const answer = (body: unknown) => process.send!({ id: msg.id, body });
  if (msg.op === 'mem') return answer({ ...now(), peak });
  if (msg.op === 'resetPeak') {
    gc?.();
    peak = now();
    return answer(peak);
  }
  if (msg.op === 'lag') {
    const maxMs = loop.max / 1e6;
    loop.reset();
    return answer({ maxMs });
  }
  if (msg.op === 'loginStats') return answer(hub.broker?.loginStats());
  if (msg.op === 'stop') {
    clearInterval(sampler);
    void hub.stop().then(() => {
      answer(null);
      process.disconnect();
    });
  }
});

const httpUrl = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
process.send!({ ready: { brokerUrl: hub.brokerUrl(), httpUrl, passwords, hubIdentity } });
