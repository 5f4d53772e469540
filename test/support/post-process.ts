/**
 * A post running as its own process (the compiled CLI), so a test can kill it
 * with SIGKILL mid-write, as a power cut would, and start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { nurseCommand } from '../../cli/nurse-commands.js';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostConfig } from '../../node/config.js';
import { CLI } from './paths.js';
import { waitFor } from './wait.js';

export class PostProcess {
  private child: ChildProcess | undefined;
  private readonly configFile: string;
  readonly url: string;
  kills = 0;
  private nurse: { username: string; secret: string } | undefined;

  constructor(private readonly config: PostConfig, private readonly dir: string) {
    this.configFile = join(dir, `${config.postId}.json`);
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
    this.url = `http://${config.http.host}:${config.http.port}`;
  }

  /**
   * A nurse account made with the command line (the post's first, so it also makes the data key);
   * from then on every start signs her in, as the first nurse at work after a power cut would.
   */
  async addNurse(username: string, secret: string): Promise<void> {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const code = await nurseCommand(['add', username, '--name', username, '--config', this.configFile], {
      stdin: Readable.from([`${secret}\n`]), stdout: sink as never, stderr: sink as never, env: {},
    });
    if (code !== 0) throw new Error(`nurse add exited ${code}`);
    this.nurse = { username, secret };
  }

  /** The sign-in form, as her browser posts it. */
  async signIn(): Promise<void> {
    const { username, secret } = this.nurse!;
    const res = await fetch(`${this.url}/entrar`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.url },
      body: new URLSearchParams({ username, secret, volver: '/' }).toString(),
    });
    if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  }

  /** signIn false: as after a power cut with nobody at the post yet. */
  async start(o: { signIn?: boolean } = {}): Promise<void> {
    const logFile = join(this.dir, `${this.config.postId}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    // The test runner's loaders (NODE_OPTIONS) are not the appliance's; start it as systemd would.
    // Nor do stray CHASQUI_* variables leak in: the config file is the whole configuration.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('CHASQUI_')));
    const child = spawn(process.execPath, [CLI, 'post', '--config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    await waitFor(() => fetch(`${this.url}/healthz`).then((r) => r.ok, () => false), { what: 'post process up', timeoutMs: 20_000 }).catch((err: Error) => {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
      throw new Error(`${err.message}; exit ${child.exitCode}; log:\n${tail}`);
    });
    if (this.nurse && o.signIn !== false) await this.signIn();
  }

  /** SIGKILL: no shutdown handler runs, whatever was being written is cut. */
  async kill(): Promise<void> {
    if (await this.signal('SIGKILL')) this.kills++;
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<boolean> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return false;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await exited;
    return true;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null;
  }
}
