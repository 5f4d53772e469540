/**
 * 500 wrong-password broker logins from one address, at once, against a hub
 * in its own process: on main each ran scrypt and a specialist's web sign-in
 * took 25.9 s. Here the flood costs a few password checks, the sign-in over
 * real HTTP stays under a second, and a post whose password the hub already
 * verified still gets in at once from the same address.
 */
import t from 'tap';
import mqtt from 'mqtt';
import { connect as tcpConnect } from 'node:net';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import type { ThrottleStats } from '../../hub/broker/login-throttle.js';
import { HubChild } from '../support/hub-child-client.js';
import { connectPacket } from '../support/mqtt-bytes.js';
import { tempDir } from '../support/paths.js';
import { brokerSocket, testTls } from '../support/tls.js';
import { startPost } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const FLOOD = 500;
/** Attempts open at once: a steady flood that lasts through the sign-in, not one burst that is over before it starts. */
const AT_ONCE = 50;

async function signIn(httpUrl: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(`${httpUrl}/entrar`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'dra.flores', secret: 'corazon-andino-7', volver: '/' }).toString(),
  });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

/**
 * One wrong-password login as raw bytes: the attacker's side costs next to
 * nothing, so what is measured is the hub. Resolves with the CONNACK return
 * code [MQTT-3.2.2.3], or -1 if the hub closed without one.
 */
function badLogin(url: string, password: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = brokerSocket(url, () => s.write(connectPacket({ clientId: postClientId('post-a', 'probe'), username: 'post-a', password })));
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got.length >= 4 && got[0] === 0x20 ? got[3]! : -1));
  });
}

function tryLogin(url: string, clientId: string, username: string, password: string): Promise<Error | null> {
  return mqtt.connectAsync(url, { clientId, username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, ...testTls().clientOptions })
    .then((c) => c.endAsync(true).then(() => null), (e: Error) => e);
}

t.test('a flood of wrong broker passwords neither stalls web sign-in nor keeps a known post out', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await HubChild.start({
    dir, posts: ['post-a'], accounts: [{ username: 'dra.flores', secret: 'corazon-andino-7' }], broker: { toolSessions: ['probe'] },
  });
  t.teardown(() => hub.stop());
  const post = await startPost({ dir, postId: 'post-a', url: hub.brokerUrl, password: hub.passwords['post-a']!, hubIdentity: hub.hubIdentity });
  t.teardown(() => post.stop());
  await waitFor(async () => (await post.app.inject({ method: 'GET', url: '/healthz' })).json<{ connected: boolean }>().connected, { what: 'post-a connected' });

  const quiet = await signIn(hub.httpUrl);
  t.equal(quiet.status, 303, 'the specialist signs in');
  const before = await hub.ask<ThrottleStats>('loginStats');
  await hub.ask('lag');
  const floodStart = performance.now();

  let answered = 0;
  const codes: number[] = [];
  const worker = async (w: number) => {
    for (let i = w; i < FLOOD; i += AT_ONCE) {
      codes.push(await badLogin(hub.brokerUrl, `adivina-${i}`));
      answered++;
    }
  };
  const flood = Promise.all(Array.from({ length: AT_ONCE }, (_, w) => worker(w)));
  await waitFor(() => answered >= 100, { what: 'the flood under way', intervalMs: 5 });
  const answeredAtSignIn = answered;
  const during = await signIn(hub.httpUrl);
  const known = performance.now();
  const probe = await tryLogin(hub.brokerUrl, postClientId('post-a', 'probe'), 'post-a', hub.passwords['post-a']!);
  const knownMs = performance.now() - known;
  await flood;
  const floodMs = performance.now() - floodStart;
  const lag = await hub.ask<{ maxMs: number }>('lag');
  const refused = codes.filter((c) => c === 3 || c === 4).length;
  const after = await hub.ask<ThrottleStats>('loginStats');
  const checks = after.checked - before.checked;
  t.comment(`web sign-in: ${quiet.ms.toFixed(0)} ms quiet, ${during.ms.toFixed(0)} ms during ${FLOOD} bad broker logins; ` +
    `started with ${answeredAtSignIn} of ${FLOOD} answered; known post in ${knownMs.toFixed(0)} ms; flood answered in ${floodMs.toFixed(0)} ms, hub event loop stalled at most ${lag.maxMs.toFixed(0)} ms; ${checks} password checks for ${FLOOD} attempts (${after.locked - before.locked} locked, ${after.busy - before.busy} busy)`);

  t.ok(answeredAtSignIn < FLOOD, `the sign-in started while the flood was going (${answeredAtSignIn} of ${FLOOD} answered)`);
  t.equal(during.status, 303, 'the specialist signs in during the flood');
  // The target is 1 s where a quiet sign-in takes 0.3 s (the machine). A machine slower than that
  // right now (a loaded CI runner: its quiet sign-in was measured above) gets a bound as much larger.
  const slower = Math.max(1, quiet.ms / 300);
  // Plus a tenth: one quiet and one flooded sign-in are single samples, and a loaded runner made them differ by a few ms.
  const bound = 1100 * slower;
  t.ok(during.ms < bound, `in under ${(bound / 1000).toFixed(1)} s (${during.ms.toFixed(0)} ms; quiet ${quiet.ms.toFixed(0)} ms)`);
  t.equal(refused, FLOOD, 'every wrong password was refused with a CONNACK: 4 (checked) or 3 (throttled)');
  t.ok(checks <= 6, `the flood cost ${checks} scrypt checks, not ${FLOOD}`);
  t.equal(probe, null, 'a correct password the hub already verified gets in from the flooded address');
  t.ok(knownMs < bound, `at once (${knownMs.toFixed(0)} ms)`);
  t.ok(hub.lines.some((l) => l.code === 'CHASQUI_ERR_AUTH' && l.reason === 'wrong password'), 'the first wrong passwords are logged as such');
  const throttledLines = hub.lines.filter((l) => l.code === 'CHASQUI_ERR_LOGIN_THROTTLED');
  t.ok(throttledLines.length >= 1 && throttledLines.length <= 10, `refusals without a check are logged once a second, not ${FLOOD} times (${throttledLines.length} lines)`);
  post.cases.submit({ caseId: 'tras-la-avalancha', priority: 'routine', body: { reason: 'control' }, attachments: [] });
  await waitFor(() => post.cases.get('tras-la-avalancha')?.status.state === 'delivered', { what: 'the real post still delivers' });
});
