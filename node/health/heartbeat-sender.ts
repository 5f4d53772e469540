/**
 * Sends the post's heartbeat (protocol/heartbeat.ts) on its health topic,
 * QoS 0 and not retained: on every (re)connect, so the hub learns at once that
 * the link is back and how much is queued, and every `health.intervalS`.
 * Outside the outbox on purpose: a stale heartbeat is worthless, so it is
 * never queued or resent, and it never competes with a case for the link.
 * A failure to read any part (disk, sensors) is logged and the heartbeat goes
 * without it; nothing here throws into the caller.
 */
import { statfs } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { Heartbeat } from '../../protocol/heartbeat.js';
import { healthTopic } from '../../protocol/topics.js';
import type { Carrier } from '../../relay/carrier.js';
import type { OutboxRow } from '../../relay/outbox-store.js';
import { readBoard, type BoardReading } from './board-sensors.js';

/** Any Carrier will do; one without publishVolatile (a test double) simply gets no heartbeats. */
export type HeartbeatCarrier = Pick<Carrier, 'isConnected' | 'on' | 'publishVolatile'>;
export type Timers = { setInterval(fn: () => void, ms: number): unknown; clearInterval(handle: unknown): void };
export type LinkEstimate = { rttMs: number | null; rateBps: number | null };

export type HeartbeatSenderDeps = {
  postId: string;
  dataDir: string;
  intervalS: number;
  carrier: HeartbeatCarrier;
  outbox: { queued(): OutboxRow[] };
  /** Bytes of chunks the relay has published (relay.counters.bytesSent). */
  bytesSent: () => number;
  /** The relay's link estimate toward the hub; null until it has measured. */
  link?: () => LinkEstimate;
  clock: Clock;
  logger: Logger;
  software?: string;
  board?: () => Promise<BoardReading>;
  disk?: (dir: string) => Promise<{ freeBytes: number; totalBytes: number }>;
  timers?: Timers;
};

const NO_BOARD: BoardReading = { temperatureC: null, undervoltage: null, onBattery: null, batteryPercent: null };

export class HeartbeatSender {
  private readonly startedAt: number;
  private bytesReceived = 0;
  private handle: unknown;
  private running = false;
  private listening = false;
  private pending: Promise<void> = Promise.resolve();
  /** Heartbeats published, for tests and /metrics. */
  sent = 0;

  constructor(private readonly d: HeartbeatSenderDeps) {
    this.startedAt = d.clock.now();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // The carrier has no `off`: listen once and let `running` gate the work.
    if (!this.listening) {
      this.listening = true;
      this.d.carrier.on('connected', () => this.fire('reconnect'));
      this.d.carrier.on('message', ({ payload }) => { this.bytesReceived += payload.length; });
    }
    const timers = this.d.timers ?? realTimers;
    this.handle = timers.setInterval(() => this.fire('schedule'), this.d.intervalS * 1000);
    if (this.d.carrier.isConnected) this.fire('reconnect');
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    (this.d.timers ?? realTimers).clearInterval(this.handle);
  }

  get received(): number {
    return this.bytesReceived;
  }

  /** Builds and publishes one heartbeat; resolves to it, or null when offline or stopped. */
  async beat(reason: Heartbeat['reason']): Promise<Heartbeat | null> {
    try {
      const hb = await this.build(reason);
      const c = this.d.carrier;
      if (!this.running || !c.isConnected || !c.publishVolatile) return null;
      c.publishVolatile(healthTopic(this.d.postId), Buffer.from(JSON.stringify(hb)));
      this.sent++;
      return hb;
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message }, 'heartbeat not sent');
      return null;
    }
  }

  async build(reason: Heartbeat['reason']): Promise<Heartbeat> {
    const now = this.d.clock.now();
    const [disk, board] = await Promise.all([this.readDisk(), this.readBoard()]);
    return {
      v: 1, postId: this.d.postId, at: new Date(now).toISOString(), reason,
      software: this.d.software ?? softwareVersion(),
      uptimeS: Math.max(0, Math.round((now - this.startedAt) / 1000)),
      disk, queue: queueOf(this.d.outbox.queued()),
      link: { ...(this.d.link?.() ?? { rttMs: null, rateBps: null }), bytesSent: this.d.bytesSent(), bytesReceived: this.bytesReceived },
      board,
    };
  }

  private fire(reason: Heartbeat['reason']): void {
    if (!this.running) return;
    const p = this.beat(reason).then(() => undefined);
    this.pending = this.pending.then(() => p);
  }

  /** Resolves when every heartbeat fired so far has been sent or dropped (tests, shutdown). */
  idle(): Promise<void> {
    return this.pending;
  }

  private async readDisk(): Promise<Heartbeat['disk']> {
    try {
      return await (this.d.disk ?? diskOf)(this.d.dataDir);
    } catch (err) {
      this.d.logger.debug({ err: (err as Error).message }, 'disk space unreadable');
      return { freeBytes: 0, totalBytes: 0 };
    }
  }

  private async readBoard(): Promise<BoardReading> {
    try {
      return await (this.d.board ?? readBoard)();
    } catch {
      return NO_BOARD;
    }
  }
}

/** Items, bytes still to deliver (acknowledged chunks excluded) and the oldest item's queueing time. */
export function queueOf(rows: OutboxRow[]): Heartbeat['queue'] {
  let bytes = 0;
  let oldest: number | null = null;
  for (const r of rows) {
    bytes += Math.max(0, r.totalSize - r.acked.count * r.chunkSize);
    if (oldest === null || r.createdAt < oldest) oldest = r.createdAt;
  }
  return { items: rows.length, bytes, oldestQueuedAt: oldest === null ? null : new Date(oldest).toISOString() };
}

/** Free space as an unprivileged process may use it (bavail, not bfree): root's reserve is not ours. */
export async function diskOf(dir: string): Promise<Heartbeat['disk']> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

let version: string | undefined;

/** The version in Chasqui's package.json, found by walking up from this file (source or dist). */
export function softwareVersion(): string {
  if (version !== undefined) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (!existsSync(p)) continue;
    const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'chasqui') return (version = `chasqui/${pkg.version ?? 'unknown'}`);
  }
  return (version = 'chasqui/unknown');
}

const realTimers: Timers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};
