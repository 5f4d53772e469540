/**
 * Beurer BM58 / BM65 download over the USB-serial cable (4800 8N1). The
 * device only answers; most answers carry no marker (a bare count byte),
 * so the decoder is told which answer the session is waiting for and reads
 * the bytes in that light. Bytes nobody asked for are dropped and counted.
 * The session walks ping → name → count → record 1..n, one request at a
 * time, retrying a request the device did not answer (cable jiggled, noise
 * ate a byte), skipping a record that never comes, and asking twice for
 * the answers that noise could fake.
 * Byte layouts: beurer-bm58-frames.ts.
 */
import type { DeviceInfoReading, Reading } from './readings.js';
import { DecoderCounters, type DecoderStats, type DeviceProtocol, type DeviceSession, type StreamDecoder } from './stream-decoder.js';
import { BM58, BM58_MAX_RECORDS, BM58_NAME_LENGTH, BM58_RECORD_LENGTH, parseName, parseRecord, requestBytes, type Bm58Request } from './beurer-bm58-frames.js';

export type { Bm58Request } from './beurer-bm58-frames.js';

export class Bm58Decoder implements StreamDecoder {
  private readonly counters = new DecoderCounters();
  private awaiting: Bm58Request | undefined;
  private buf: number[] = [];
  private synced = false;

  /** The session says which answer comes next; a half-read earlier answer is given up. */
  expect(request: Bm58Request | undefined): void {
    this.discardPartial();
    this.awaiting = request;
  }

  push(bytes: Uint8Array): Reading[] {
    const out: Reading[] = [];
    for (const b of bytes) this.byte(b, out);
    return out;
  }

  stats(): Readonly<DecoderStats> {
    return this.counters.snapshot();
  }

  reset(): void {
    this.discardPartial();
    this.awaiting = undefined;
    this.synced = false;
  }

  private byte(b: number, out: Reading[]): void {
    const a = this.awaiting;
    if (!a) return this.drop(1);
    if (a.kind === 'ping') {
      if (b !== BM58.pong) return this.drop(1);
      return this.answer(out, { connected: true });
    }
    if (a.kind === 'count') {
      if (b > BM58_MAX_RECORDS) return this.bad(1);
      return this.answer(out, { storedMeasurements: b });
    }
    if (a.kind === 'name') return this.nameByte(b, out);
    return this.recordByte(b, a.index, out);
  }

  private nameByte(b: number, out: Reading[]): void {
    this.buf.push(b);
    if (this.buf.length < BM58_NAME_LENGTH) return;
    const name = parseName(this.buf);
    this.buf = [];
    if (name === undefined) return this.bad(BM58_NAME_LENGTH);
    this.answer(out, { model: name });
  }

  private recordByte(b: number, index: number, out: Reading[]): void {
    if (this.buf.length === 0) {
      if (b === BM58.noRecord) return this.answer(out, { missingRecord: index });
      if (b !== BM58.recordStart) return this.drop(1);
    }
    this.buf.push(b);
    if (this.buf.length < BM58_RECORD_LENGTH) return;
    const reading = parseRecord(this.buf, index);
    if (reading) {
      this.buf = [];
      this.accept();
      out.push(reading);
      this.awaiting = undefined;
      return;
    }
    // Noise that happened to start with 0xAC: the real record may begin later in what we hold.
    this.counters.badFrames++;
    const rest = this.buf.slice(1);
    const next = rest.findIndex((x) => x === BM58.recordStart || x === BM58.noRecord);
    this.counters.droppedBytes += next < 0 ? this.buf.length : next + 1;
    this.buf = [];
    if (next >= 0) for (const x of rest.slice(next)) this.byte(x, out);
  }

  private answer(out: Reading[], info: DeviceInfoReading['info']): void {
    this.accept();
    out.push({ kind: 'deviceInfo', info });
    this.awaiting = undefined;
  }

  private accept(): void {
    this.counters.frames++;
    this.synced = true;
  }

  private bad(n: number): void {
    this.counters.badFrames++;
    this.counters.droppedBytes += n;
  }

  private drop(n: number): void {
    this.counters.droppedBytes += n;
    if (this.synced) {
      this.synced = false;
      this.counters.resyncs++;
    }
  }

  private discardPartial(): void {
    if (this.buf.length > 0) this.drop(this.buf.length);
    this.buf = [];
  }
}

export interface Bm58SessionOptions {
  /** How long to wait for an answer before asking again (4800 baud moves a record in ~20 ms). */
  replyTimeoutMs?: number;
  /** Tries per request before moving on (a ping is retried for ever: the cuff may be off). */
  attempts?: number;
}

type Step = Bm58Request | { kind: 'done' };

export class Bm58Session implements DeviceSession {
  readonly decoder = new Bm58Decoder();
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private step: Step = { kind: 'done' };
  private tries = 0;
  private sentAt: number | undefined;
  private total = 0;
  private lastAnswer: string | undefined;

  constructor(opts: Bm58SessionOptions = {}) {
    this.timeoutMs = opts.replyTimeoutMs ?? 500;
    this.attempts = opts.attempts ?? 3;
  }

  open(): Uint8Array[] {
    this.decoder.reset();
    return this.go({ kind: 'ping' });
  }

  onReadings(readings: readonly Reading[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const r of readings) out.push(...this.advance(r));
    return out;
  }

  tick(nowMs: number): Uint8Array[] {
    if (this.step.kind === 'done') return [];
    if (this.sentAt === undefined) {
      this.sentAt = nowMs;
      return [];
    }
    if (nowMs - this.sentAt < this.timeoutMs) return [];
    if (this.step.kind === 'ping' || this.tries < this.attempts) {
      this.tries++;
      this.sentAt = nowMs;
      return this.send(this.step);
    }
    return this.giveUp(this.step);
  }

  close(): Uint8Array[] {
    this.step = { kind: 'done' };
    this.decoder.expect(undefined);
    return [];
  }

  private advance(r: Reading): Uint8Array[] {
    const s = this.step;
    if (r.kind === 'bloodPressure') return s.kind === 'record' && r.index === s.index ? this.nextRecord(s.index) : [];
    if (r.kind !== 'deviceInfo') return [];
    const info = r.info;
    if (s.kind === 'ping' && info.connected === true) return this.go({ kind: 'name' });
    if (s.kind === 'name' && typeof info.model === 'string') return this.go({ kind: 'count' });
    if (s.kind === 'count' && typeof info.storedMeasurements === 'number') {
      if (!this.confirmed(`count ${info.storedMeasurements}`)) return this.send(s);
      this.total = info.storedMeasurements;
      return this.nextRecord(0);
    }
    if (s.kind === 'record' && info.missingRecord === s.index) {
      return this.confirmed('missing') ? this.nextRecord(s.index) : this.send(s);
    }
    return [];
  }

  /**
   * A count and "no such record" are single unmarked bytes, so one noise
   * byte can pass for either: act on them only when the device says the
   * same thing twice in a row.
   */
  private confirmed(answer: string): boolean {
    const same = this.lastAnswer === answer;
    this.lastAnswer = answer;
    if (!same) this.sentAt = undefined;
    return same;
  }

  /** Give up on a request that was never answered: carry on with what does not depend on it. */
  private giveUp(s: Bm58Request): Uint8Array[] {
    if (s.kind === 'name') return this.go({ kind: 'count' });
    if (s.kind === 'count') return this.go({ kind: 'ping' });
    return s.kind === 'record' ? this.nextRecord(s.index) : [];
  }

  private nextRecord(after: number): Uint8Array[] {
    if (after >= this.total) {
      this.step = { kind: 'done' };
      this.decoder.expect(undefined);
      return [];
    }
    return this.go({ kind: 'record', index: after + 1 });
  }

  private go(step: Bm58Request): Uint8Array[] {
    this.step = step;
    this.tries = 1;
    this.sentAt = undefined;
    this.lastAnswer = undefined;
    return this.send(step);
  }

  private send(step: Bm58Request): Uint8Array[] {
    this.decoder.expect(step);
    return [requestBytes(step)];
  }
}

export const beurerBm58: DeviceProtocol = {
  id: 'beurer-bm58',
  label: 'Beurer BM58/BM65 blood-pressure monitor (USB-serial cable)',
  serial: { baudRate: 4800, dataBits: 8, parity: 'none', stopBits: 1 },
  createSession: () => new Bm58Session(),
};
