/** Starts test/support/hub-child.ts and talks to it: its URLs, the posts' passwords, its memory, its log lines. */
import { fork, type ChildProcess } from 'node:child_process';
import { testTls } from './tls.js';
import { fileURLToPath } from 'node:url';

export type Mem = { rss: number; arrayBuffers: number };

export class HubChild {
  readonly lines: Array<Record<string, unknown>> = [];
  brokerUrl = '';
  httpUrl = '';
  passwords: Record<string, string> = {};
  /** The hub's public keys, for the posts' configs. */
  hubIdentity = '';
  private readonly child: ChildProcess;
  private next = 1;
  private readonly pending = new Map<number, (body: unknown) => void>();

  private constructor(setup: object) {
    const script = fileURLToPath(new URL('./hub-child.js', import.meta.url));
    // --expose-gc: the baseline is taken after a collection, so garbage from start-up is not counted as headroom.
    this.child = fork(script, [JSON.stringify(setup)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let rest = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) if (l.trim().startsWith('{')) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    this.child.on('message', (m: { id?: number; body?: unknown }) => {
      if (m.id !== undefined) {
        this.pending.get(m.id)?.(m.body);
        this.pending.delete(m.id);
      }
    });
  }

  static async start(setup: { dir: string; posts: string[]; accounts?: Array<{ username: string; secret: string }>; broker?: Record<string, unknown> }): Promise<HubChild> {
    // The child serves this process's test certificate, so the posts and raw sockets here trust it.
    const tls = testTls();
    const h = new HubChild({ ...setup, broker: { tls: { cert: tls.certFile, key: tls.keyFile }, ca: tls.certFile, ...setup.broker } });
    await new Promise<void>((resolve, reject) => {
      h.child.once('exit', (code) => reject(new Error(`hub child exited with ${code} before it was ready`)));
      h.child.on('message', (m: { ready?: { brokerUrl: string; httpUrl: string; passwords: Record<string, string>; hubIdentity: string } }) => {
        if (!m.ready) return;
        Object.assign(h, m.ready);
        resolve();
      });
    });
    return h;
  }

  ask<T>(op: 'mem' | 'resetPeak' | 'loginStats' | 'lag' | 'stop'): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (b: unknown) => void);
      this.child.send({ id, op });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.ask('stop');
    await exited;
  }
}
