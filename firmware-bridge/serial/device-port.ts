/**
 * One configured device port: opens it, keeps a protocol session going,
 * hands decoded readings on, and comes back by itself when the device does
 * (a nurse unplugs the oximeter to take it to a patient's bed and plugs it
 * back in). Nothing here throws into the process: a port that is missing,
 * busy or failing is a state with a reason, retried every `reconnectMs`.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { isChasquiError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Reading } from '../devices/readings.js';
import type { DecoderStats, DeviceProtocol, DeviceSession, SerialSettings } from '../devices/stream-decoder.js';
import { openSerial, type SerialLink } from './serial-link.js';

export type PortState = 'connecting' | 'open' | 'absent' | 'failed' | 'stopped';

export interface TimedReading {
  /** ms since the epoch when the bytes arrived. */
  at: number;
  reading: Reading;
}

export interface DevicePortOptions {
  id: string;
  path: string;
  protocol: DeviceProtocol;
  serial?: Partial<SerialSettings>;
  reconnectMs?: number;
  tickMs?: number;
  clock: Clock;
  logger: Logger;
}

export interface DevicePortStatus {
  id: string;
  path: string;
  protocol: string;
  label: string;
  state: PortState;
  reason?: string;
  /** ms since epoch of the last reading; null before the first. */
  lastReadingAt: number | null;
  stats: DecoderStats;
}

export class DevicePort extends EventEmitter<{ reading: [TimedReading]; state: [PortState] }> {
  private link: SerialLink | undefined;
  private session: DeviceSession | undefined;
  private state: PortState = 'stopped';
  private reason: string | undefined;
  private lastReadingAt: number | null = null;
  private retry: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private readonly totals: DecoderStats = { frames: 0, droppedBytes: 0, resyncs: 0, badFrames: 0 };

  constructor(private readonly opts: DevicePortOptions) {
    super();
  }

  get id(): string {
    return this.opts.id;
  }

  get protocol(): DeviceProtocol {
    return this.opts.protocol;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    await this.disconnect(true);
    this.setState('stopped');
  }

  status(): DevicePortStatus {
    const s: DevicePortStatus = {
      id: this.opts.id,
      path: this.opts.path,
      protocol: this.opts.protocol.id,
      label: this.opts.protocol.label,
      state: this.state,
      lastReadingAt: this.lastReadingAt,
      stats: this.stats(),
    };
    if (this.reason) s.reason = this.reason;
    return s;
  }

  /** Totals over every connection of this port, the current one included. */
  stats(): DecoderStats {
    const cur = this.session?.decoder.stats();
    const t = this.totals;
    if (!cur) return { ...t };
    return { frames: t.frames + cur.frames, droppedBytes: t.droppedBytes + cur.droppedBytes, resyncs: t.resyncs + cur.resyncs, badFrames: t.badFrames + cur.badFrames };
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setState('connecting');
    const session = this.opts.protocol.createSession();
    const settings = { ...this.opts.protocol.serial, ...this.opts.serial };
    try {
      this.link = await openSerial(this.opts.path, settings, (bytes) => this.onBytes(session, bytes));
    } catch (err) {
      this.reason = err instanceof Error ? err.message : String(err);
      this.setState(isChasquiError(err, 'CHASQUI_ERR_DEVICE_ABSENT') ? 'absent' : 'failed');
      this.scheduleReconnect();
      return;
    }
    if (!this.running) return void (await this.disconnect(false));
    this.session = session;
    this.reason = undefined;
    this.setState('open');
    this.opts.logger.info({ port: this.opts.id, path: this.opts.path, protocol: this.opts.protocol.id }, 'device port open');
    this.writeAll(session.open());
    const link = this.link;
    this.ticker = setInterval(() => {
      // The device node vanishes when a USB adapter is pulled, but the port's
      // close event is not always raised (seen with ptys about 1 time in 12),
      // so the path is checked as well.
      if (!existsSync(this.opts.path)) return this.lost(link, new Error(`${this.opts.path} disappeared`));
      this.writeAll(session.tick(this.opts.clock.now()));
    }, this.opts.tickMs ?? 200);
    void link.closed.then((err) => this.lost(link, err));
  }

  private lost(link: SerialLink, err: Error | undefined): void {
    if (this.link !== link) return;
    this.opts.logger.warn({ port: this.opts.id, err: err?.message }, 'device went away');
    void this.disconnect(false).then(() => {
      this.reason = err?.message ?? 'closed';
      this.setState('absent');
      this.scheduleReconnect();
    });
  }

  private onBytes(session: DeviceSession, bytes: Uint8Array): void {
    const readings = session.decoder.push(bytes);
    if (readings.length === 0) return;
    const at = this.opts.clock.now();
    this.lastReadingAt = at;
    for (const reading of readings) this.emit('reading', { at, reading });
    this.writeAll(session.onReadings(readings));
  }

  private writeAll(chunks: Uint8Array[]): void {
    for (const c of chunks) this.link?.write(c);
  }

  private async disconnect(polite: boolean): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const link = this.link;
    const session = this.session;
    this.link = undefined;
    this.session = undefined;
    if (session) {
      const s = session.decoder.stats();
      this.totals.frames += s.frames;
      this.totals.droppedBytes += s.droppedBytes;
      this.totals.resyncs += s.resyncs;
      this.totals.badFrames += s.badFrames;
      if (polite) for (const c of session.close()) link?.write(c);
    }
    await link?.close();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), this.opts.reconnectMs ?? 1000);
  }

  private setState(s: PortState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }
}
