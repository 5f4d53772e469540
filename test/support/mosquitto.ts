/**
 * A real Mosquitto for integration tests, configured from the very files the
 * hub generates (hub/broker/mosquitto-files.ts), so the tests prove those
 * files rather than a hand-written test config. Its listener is TLS with the
 * suite's certificate (support/tls.ts), as the generated files make it.
 *
 * When the binaries are missing: under CI (CI=true) every helper throws, so a
 * CI image without mosquitto fails instead of quietly skipping the external
 * broker mode. Elsewhere they throw MosquittoMissingError; tests should call
 * mosquittoSkip() first and pass its result as tap's `skip` option.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { mosquittoAclFile, mosquittoConf, mosquittoPasswdLine } from '../../hub/broker/mosquitto-files.js';
import { freePort } from './ports.js';
import { testTls } from './tls.js';

export type MosquittoBinary = 'mosquitto' | 'mosquitto_passwd';

/** TLS by default, with the suite's certificate (support/tls.ts); `plain: true` for a loopback-only plain listener. */
export type MosquittoOptions = { users: Array<{ username: string; password: string }>; hubUser: string; persistence?: boolean; plain?: boolean };

export type RunningMosquitto = {
  url: string; port: number; dir: string;
  /** The certificate to pin (undefined when plain), and options for a bare mqtt.js client. */
  ca: string | undefined; clientOptions: { ca?: string[] };
  stop(): Promise<void>; restart(): Promise<void>;
};

const INSTALL = 'apt-get install -y --no-install-recommends mosquitto mosquitto-clients';
// Debian puts the broker in /usr/sbin, which is not on every user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/sbin'];
const START_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 2_000;

export class MosquittoMissingError extends Error {
  constructor(binary: MosquittoBinary) {
    super(`${binary} is not installed (${INSTALL})`);
    this.name = 'MosquittoMissingError';
  }
}

/** The binary's path; throws MosquittoMissingError locally, or a plain Error under CI, when it is absent. */
export function mosquittoBinary(name: MosquittoBinary): string {
  const found = locate(name);
  if (found) return found;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI; install it: ${INSTALL}`);
  throw new MosquittoMissingError(name);
}

/** For `t.test(name, { skip: mosquittoSkip() }, …)`: a reason to skip locally, false when installed; throws under CI. */
export function mosquittoSkip(...names: MosquittoBinary[]): string | false {
  try {
    for (const n of names.length ? names : (['mosquitto'] as const)) mosquittoBinary(n);
    return false;
  } catch (err) {
    if (err instanceof MosquittoMissingError) return err.message;
    throw err;
  }
}

export async function startMosquitto(opts: MosquittoOptions): Promise<RunningMosquitto> {
  const bin = mosquittoBinary('mosquitto');
  const dir = await mkdtemp(join(tmpdir(), 'chasqui-mosquitto-'));
  try {
    const port = await freePort();
    const conf = await writeFiles(dir, port, opts);
    const broker = new Broker(bin, conf, port);
    await broker.spawn();
    const tls = opts.plain ? undefined : testTls();
    return {
      url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
      port,
      dir,
      ca: tls?.certFile,
      clientOptions: tls ? tls.clientOptions : {},
      restart: () => broker.restart(),
      stop: async () => {
        await broker.kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function writeFiles(dir: string, port: number, opts: MosquittoOptions): Promise<string> {
  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  const persistenceDir = opts.persistence ? join(dir, 'data') : undefined;
  if (persistenceDir) await mkdir(persistenceDir);
  // Copied in, as `chasqui hub mosquitto-files` copies the hub's pair beside the config.
  const tls = opts.plain ? undefined : { certFile: join(dir, 'hub-cert.pem'), keyFile: join(dir, 'hub-key.pem') };
  if (tls) {
    await writeFile(tls.certFile, testTls().cert);
    await writeFile(tls.keyFile, testTls().key, { mode: 0o600 });
  }
  const lines = opts.users.map((u) => mosquittoPasswdLine(u.username, u.password));
  await writeFile(passwordFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  await writeFile(aclFile, mosquittoAclFile(opts.hubUser));
  // Run as root, mosquitto drops to the `mosquitto` account, which cannot read our 0700 temp dir.
  const conf = `${mosquittoConf({ port, host: '127.0.0.1', passwordFile, aclFile, persistenceDir, ...(tls ? { tls } : {}) })}user ${userInfo().username}\n`;
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(confFile, conf);
  return confFile;
}

/** One broker process at a time, restartable on the same port and files so persistence can be tested. */
class Broker {
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];

  constructor(private readonly bin: string, private readonly conf: string, private readonly port: number) {}

  async spawn(): Promise<void> {
    const child = spawn(this.bin, ['-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    // Draining both pipes keeps a chatty broker from blocking on a full pipe; the tail explains failures.
    for (const s of [child.stdout, child.stderr]) s?.on('data', (b: Buffer) => this.remember(b));
    await this.waitListening(child);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    // SIGTERM lets mosquitto write its persistence file; SIGKILL only if it hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }

  private remember(chunk: Buffer): void {
    this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
  }

  private async waitListening(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw this.failure('exited during startup');
      if (await accepts(this.port)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw this.failure(`did not listen on ${this.port} within ${START_TIMEOUT_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private failure(what: string): Error {
    return new Error(`mosquitto ${what}:\n${this.output.join('\n')}`);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function locate(name: MosquittoBinary): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return null;
}

// A test that crashes before stop() must not leave a broker holding a port for the next run.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
