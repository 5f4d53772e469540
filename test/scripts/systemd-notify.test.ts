/**
 * The post, hub and bridge tell systemd what a Type=notify unit needs: the
 * real CLI runs as its own process with NOTIFY_SOCKET pointing at a datagram
 * socket this test binds, as systemd's would be. READY=1 comes once the
 * service answers; WATCHDOG=1 pings keep coming; a stopped process or a
 * database another process holds locked stops them; they resume after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import t, { type Test } from 'tap';
import { CLI, tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { delay, waitFor } from '../support/wait.js';
import { someHubIdentity } from '../support/stack.js';

type Datagram = { at: number; text: string };
type Receiver = { bind(path: string): void; on(e: 'message', fn: (buf: Buffer) => void): void; on(e: 'error', fn: (err: Error) => void): void; close(): void };
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

/** systemd's side of sd_notify: a bound AF_UNIX datagram socket, every message kept with when it came. */
function notifySocket(path: string): { got: Datagram[]; count(state: string): number; close(): void } {
  const got: Datagram[] = [];
  const socket = unix.createSocket('unix_dgram');
  socket.on('message', (buf) => got.push({ at: Date.now(), text: buf.toString() }));
  socket.on('error', (err) => { throw err; });
  socket.bind(path);
  return { got, count: (state) => got.filter((d) => d.text.split('\n').includes(state)).length, close: () => socket.close() };
}

// WATCHDOG_USEC of 2 s: a ping a second, so the test sees many in a few seconds.
const WATCHDOG_USEC = '2000000';

function startService(args: string[], dir: string, socketPath: string): ChildProcess {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('CHASQUI_')));
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...env, NOTIFY_SOCKET: socketPath, WATCHDOG_USEC },
  });
  child.stderr!.on('data', (b: Buffer) => writeFileSync(join(dir, 'stderr.log'), b, { flag: 'a' }));
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  await exited;
}

const answers = (url: string) => fetch(url).then((r) => r.ok, () => false);
const tcpAccepts = (port: number) => new Promise<boolean>((resolve) => {
  const s = createConnection({ host: '127.0.0.1', port }, () => { s.end(); resolve(true); });
  s.on('error', () => resolve(false));
});

/** Starts a service, checks READY=1 came only once it answers (`serving`), then that pings flow; returns what the test needs next. */
async function readyAndPinging(t: Test, args: (dir: string) => string[], serving: () => Promise<boolean>) {
  const { dir, cleanup } = tempDir();
  const sock = notifySocket(join(dir, 'notify'));
  const child = startService(args(dir), dir, join(dir, 'notify'));
  t.teardown(async () => { await stopService(child); sock.close(); cleanup(); });
  let servingAtReady: boolean | undefined;
  await waitFor(async () => {
    if (sock.count('READY=1') === 0) return false;
    servingAtReady ??= await serving();
    return true;
  }, { what: 'READY=1', timeoutMs: 30_000 });
  t.equal(servingAtReady, true, 'READY=1 only once the service answers');
  const ready = sock.got.find((d) => d.text.includes('READY=1'))!;
  t.match(ready.text, new RegExp(`^MAINPID=${child.pid}$`, 'm'), 'READY=1 names the main process');
  const before = sock.count('WATCHDOG=1');
  await waitFor(() => sock.count('WATCHDOG=1') >= before + 3, { what: 'three watchdog pings', timeoutMs: 15_000 });
  t.pass('WATCHDOG=1 pings keep coming');
  return { dir, sock, child };
}

/** SIGSTOP: a hung process sends nothing; SIGCONT: pings resume. */
async function pingsStopWhileStopped(t: Test, sock: ReturnType<typeof notifySocket>, child: ChildProcess) {
  child.kill('SIGSTOP');
  await delay(300); // a datagram already in flight is still read
  const stopped = sock.count('WATCHDOG=1');
  await delay(3000);
  t.equal(sock.count('WATCHDOG=1'), stopped, 'no ping for 3 s (1.5 watchdog periods) while the process is stopped');
  child.kill('SIGCONT');
  await waitFor(() => sock.count('WATCHDOG=1') > stopped, { what: 'pings after SIGCONT', timeoutMs: 10_000 });
  t.pass('pings resume after SIGCONT');
}

async function stoppingOnSigterm(t: Test, sock: ReturnType<typeof notifySocket>, child: ChildProcess) {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exits cleanly on SIGTERM');
  t.equal(sock.count('STOPPING=1'), 1, 'STOPPING=1 on shutdown');
}

t.test('the post: READY=1 once it serves, pings while its loop and database answer', async (t) => {
  const port = await freePort();
  const { dir, sock, child } = await readyAndPinging(t, (d) => {
    const config = { postId: 'post-sd', dataDir: join(d, 'post'), hub: { url: `mqtt://127.0.0.1:${port}`, password: 'x', identity: someHubIdentity() }, http: { host: '127.0.0.1', port } };
    writeFileSync(join(d, 'post.json'), JSON.stringify(config));
    return ['post', '--config', join(d, 'post.json')];
  }, () => answers(`http://127.0.0.1:${port}/healthz`));
  await pingsStopWhileStopped(t, sock, child);

  // A field engineer's sqlite3 left a write transaction open: the post can store nothing, and each
  // synchronous write waits busy_timeout on the event loop, so it must not claim to be alive.
  const holder = new Database(join(dir, 'post', 'post.sqlite'));
  holder.exec('BEGIN IMMEDIATE');
  await delay(300);
  const held = sock.count('WATCHDOG=1');
  await delay(6000);
  t.equal(sock.count('WATCHDOG=1'), held, 'no ping while another process holds the database locked');
  holder.exec('COMMIT');
  holder.close();
  await waitFor(() => sock.count('WATCHDOG=1') > held, { what: 'pings after the lock is released', timeoutMs: 15_000 });
  t.pass('pings resume once the database answers again');
  await stoppingOnSigterm(t, sock, child);
});

t.test('the hub: READY=1 once its HTTP server and its broker listen', async (t) => {
  const [http, mqtt] = [await freePort(), await freePort()];
  const { sock, child } = await readyAndPinging(t, (d) => {
    const config = { dataDir: join(d, 'hub'), http: { host: '127.0.0.1', port: http }, broker: { host: '127.0.0.1', port: mqtt } };
    writeFileSync(join(d, 'hub.json'), JSON.stringify(config));
    return ['hub', '--config', join(d, 'hub.json')];
  }, async () => (await answers(`http://127.0.0.1:${http}/healthz`)) && tcpAccepts(mqtt));
  await pingsStopWhileStopped(t, sock, child);
  await stoppingOnSigterm(t, sock, child);
});

t.test('the bridge: READY=1 once its HTTP API answers, pings while its loop answers', async (t) => {
  const port = await freePort();
  const { sock, child } = await readyAndPinging(t, (d) => {
    // A port whose device is unplugged: the bridge serves and retries, as on a box with nothing attached.
    const config = { http: { host: '127.0.0.1', port }, ports: [{ id: 'ecg', path: join(d, 'no-such-tty'), protocol: 'openbci-cyton' }] };
    writeFileSync(join(d, 'bridge.json'), JSON.stringify(config));
    return ['bridge', '--config', join(d, 'bridge.json')];
  }, () => answers(`http://127.0.0.1:${port}/api/ports`));
  await pingsStopWhileStopped(t, sock, child);
  await stoppingOnSigterm(t, sock, child);
});
