/**
 * One direction of the emulated link: a single bottleneck shared by every
 * connection (as one VSAT modem is), fed by per-connection byte queues.
 */
import type { Socket } from 'node:net';

export interface DirectionConfig {
  rateBps: number;
  latencyMs: number;
  lossRate: number;
  mss: number;
  queueBytes: number;
  random: () => number;
}

interface Packet {
  at: number;
  data: Buffer;
}

/**
 * Timers fire on libuv's millisecond clock, which can run a little behind
 * performance.now(); a packet whose start is this close is sent now rather
 * than re-armed for one more millisecond. Its virtual times stay exact.
 */
const EARLY_MS = 1;

export class LinkDirection {
  down = false;
  deliveredBytes = 0;
  retransmitBytes = 0;
  lostPackets = 0;
  peakQueueBytes = 0;
  /** Virtual time at which the link finishes serializing what it has taken so far. */
  private busyUntil = 0;
  private readonly waiting: Flow[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly cfg: DirectionConfig) {}

  get unlimited(): boolean {
    return !(this.cfg.rateBps > 0 && Number.isFinite(this.cfg.rateBps));
  }

  /** A flow has something to send (or was unblocked): join the round-robin. */
  wake(flow: Flow): void {
    if (flow.waiting || !flow.ready()) return;
    flow.waiting = true;
    this.waiting.push(flow);
    if (this.timer || this.down) return;
    // An idle link earns no credit: serialization restarts from now.
    this.busyUntil = Math.max(this.busyUntil, performance.now());
    this.pump();
  }

  setDown(down: boolean): void {
    this.down = down;
    this.halt();
    if (down) return;
    this.busyUntil = Math.max(this.busyUntil, performance.now());
    this.pump();
  }

  halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    this.timer = null;
    if (this.down) return;
    const now = performance.now();
    // Start each packet at the scheduled busyUntil, not at "now": a late timer
    // then sends a short burst instead of losing link time (no drift).
    while (this.busyUntil <= now + EARLY_MS) {
      const flow = this.waiting.shift();
      if (!flow) return;
      flow.waiting = false;
      if (!flow.ready()) continue;
      this.transmit(flow);
      if (flow.ready()) {
        flow.waiting = true;
        this.waiting.push(flow);
      }
    }
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.pump(), Math.ceil(this.busyUntil - now));
  }

  private transmit(flow: Flow): void {
    const { mss, rateBps, latencyMs, lossRate, random } = this.cfg;
    const data = flow.take(mss);
    const txMs = this.unlimited ? 0 : (data.length * 8000) / rateBps;
    let finish = this.busyUntil + txMs;
    let arrive = finish + latencyMs;
    if (lossRate > 0 && random() < lossRate) {
      // The sender's TCP resends it: the bytes use the link twice, and the
      // receiver sees nothing of this stream until the copy lands an RTT later.
      finish += txMs;
      arrive = finish + 3 * latencyMs;
      this.lostPackets++;
      this.retransmitBytes += data.length;
    }
    this.busyUntil = finish;
    flow.schedule(data, arrive);
  }
}

/** One direction of one connection: bytes read from `src`, queued, serialized, then written to `dst` after the delay. */
export class Flow {
  waiting = false;
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private queued = 0;
  private readonly inFlight: Packet[] = [];
  private lastArrival = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private srcEnded = false;
  private finished = false;
  private closed = false;
  private dst: Socket | null = null;

  constructor(
    private readonly link: LinkDirection,
    private readonly src: Socket,
  ) {}

  get queuedBytes(): number {
    return this.queued;
  }

  /** Until the far socket exists (blackhole outage at accept time) nothing is serialized. */
  attach(dst: Socket): void {
    this.dst = dst;
    dst.on('drain', () => this.link.wake(this));
    this.link.wake(this);
    this.maybeFinish();
  }

  /** A destination that cannot take more is a closed receive window: stop using link time on it. */
  ready(): boolean {
    return !this.closed && this.queued > 0 && this.dst !== null && !this.dst.writableNeedDrain;
  }

  push(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (this.queued > this.link.peakQueueBytes) this.link.peakQueueBytes = this.queued;
    if (this.queued > this.link.cfg.queueBytes && !this.paused) {
      // Leave the excess in the sender's kernel buffers so its TCP window closes, as behind a real modem.
      this.paused = true;
      this.src.pause();
    }
    this.link.wake(this);
  }

  end(): void {
    this.srcEnded = true;
    this.maybeFinish();
  }

  close(): void {
    this.closed = true;
    this.chunks = [];
    this.queued = 0;
    this.inFlight.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  take(max: number): Buffer {
    const parts: Buffer[] = [];
    let need = max;
    while (need > 0 && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const avail = head.length - this.headOffset;
      if (avail <= need) {
        parts.push(this.headOffset ? head.subarray(this.headOffset) : head);
        this.chunks.shift();
        this.headOffset = 0;
        need -= avail;
      } else {
        parts.push(head.subarray(this.headOffset, this.headOffset + need));
        this.headOffset += need;
        need = 0;
      }
    }
    this.queued -= max - need;
    // Hysteresis: resuming at half keeps the source from toggling on every packet.
    if (this.paused && this.queued <= this.link.cfg.queueBytes / 2) {
      this.paused = false;
      this.src.resume();
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Head-of-line blocking: nothing overtakes a packet still waiting for its retransmission. */
  schedule(data: Buffer, at: number): void {
    this.lastArrival = Math.max(this.lastArrival, at);
    this.inFlight.push({ at: this.lastArrival, data });
    this.arm();
  }

  /** Called after a blackhole outage, when held packets may be long due. */
  arm(): void {
    if (this.timer || this.closed || this.link.down) return;
    const head = this.inFlight[0];
    if (!head) return this.maybeFinish();
    const wait = head.at - performance.now();
    if (wait <= 0) this.deliver();
    else this.timer = setTimeout(() => this.deliver(), Math.ceil(wait));
  }

  private deliver(): void {
    this.timer = null;
    const dst = this.dst;
    if (this.closed || this.link.down || !dst || dst.destroyed) return;
    const now = performance.now();
    dst.cork();
    while (this.inFlight.length > 0 && this.inFlight[0]!.at <= now) {
      const { data } = this.inFlight.shift()!;
      dst.write(data);
      this.link.deliveredBytes += data.length;
    }
    dst.uncork();
    this.arm();
  }

  private maybeFinish(): void {
    if (this.finished || !this.srcEnded || this.queued > 0 || this.inFlight.length > 0 || !this.dst) return;
    this.finished = true;
    this.dst.end();
  }
}
