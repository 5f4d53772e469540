/**
 * A user-space stand-in for a thin satellite link between a post's MQTT
 * client and the broker: rate, propagation delay, loss (as retransmission
 * cost and head-of-line delay) and outages. The kernel here has no netem,
 * and a TCP proxy is enough to make the transport feel a VSAT link's
 * timing. See README.md for what it does not model.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Flow, LinkDirection } from './link-direction.js';
import { exponential, mulberry32, uniform } from './prng.js';

export interface OutageSchedule {
  meanIntervalMs: number;
  minDurationMs: number;
  maxDurationMs: number;
}

export type OutageMode = 'reset' | 'blackhole';

export interface LinkOptions {
  target: { host: string; port: number };
  listenPort?: number;
  /** Bits per second client→target; 0 or Infinity for unlimited. */
  upRateBps: number;
  /** Bits per second target→client; 0 or Infinity for unlimited. */
  downRateBps: number;
  /** One-way propagation delay, applied in each direction. */
  latencyMs: number;
  /** Probability (0..1) that a packet is lost and must be resent. */
  lossRate: number;
  /** Packet size the link serializes. Default 1448. */
  mss?: number;
  /** Bottleneck buffer per direction of each connection before its source is paused. Default 64 KiB. */
  queueBytes?: number;
  outages?: OutageSchedule;
  /** Default 'reset'. */
  outageMode?: OutageMode;
  seed?: number;
  onOutage?: (state: 'down' | 'up') => void;
}

export interface LinkStats {
  /** Payload bytes delivered client→target. */
  upBytes: number;
  /** Payload bytes delivered target→client. */
  downBytes: number;
  /** Bytes serialized a second time because their packet was lost. */
  upRetransmitBytes: number;
  downRetransmitBytes: number;
  lostPackets: number;
  outages: number;
  /** Time spent in outage, including one under way. */
  outageMs: number;
  /** Connections accepted, including those dropped at once during a reset outage. */
  connections: number;
  activeConnections: number;
  /** Largest queue any single flow reached, to check back-pressure. */
  peakQueueBytes: number;
}

const DEFAULT_MSS = 1448;
const DEFAULT_QUEUE_BYTES = 64 * 1024;

/** The two sockets of one proxied connection and the flows between them. */
class Connection {
  server: Socket | null = null;
  readonly up: Flow;
  private down: Flow | null = null;
  private dead = false;
  private open = 1;

  constructor(
    readonly client: Socket,
    private readonly links: { up: LinkDirection; down: LinkDirection },
    private readonly onGone: (c: Connection) => void,
  ) {
    this.up = new Flow(links.up, client);
    this.watch(client, this.up);
  }

  /** Deferred during a blackhole outage: a SYN would not have crossed the link either. */
  connectThrough(target: { host: string; port: number }): void {
    if (this.dead || this.server) return;
    const server = createConnection({ host: target.host, port: target.port, allowHalfOpen: true });
    this.server = server;
    this.open++;
    this.down = new Flow(this.links.down, server);
    this.watch(server, this.down);
    this.up.attach(server);
    this.down.attach(this.client);
  }

  /** Held packets of a blackhole outage become due again. */
  rearm(): void {
    this.up.arm();
    this.down?.arm();
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.up.close();
    this.down?.close();
    this.client.destroy();
    this.server?.destroy();
  }

  private watch(socket: Socket, outgoing: Flow): void {
    // Nagle on the proxy's own sockets would add loopback delays the real link does not have.
    socket.setNoDelay(true);
    let ended = false;
    socket.on('data', (chunk: Buffer) => outgoing.push(chunk));
    socket.on('end', () => {
      ended = true;
      outgoing.end();
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      // A close without a clean FIN (reset, destroy) takes the whole connection down.
      if (!ended) this.destroy();
      if (--this.open === 0) this.onGone(this);
    });
  }
}

export class LinkEmulator {
  private readonly opts: LinkOptions;
  private readonly up: LinkDirection;
  private readonly down: LinkDirection;
  private readonly outageRandom: () => number;
  private readonly conns = new Set<Connection>();
  private server: Server | null = null;
  private starting: Promise<number> | null = null;
  private stopping: Promise<void> | null = null;
  private isDown = false;
  private downSince = 0;
  private restoreTimer: NodeJS.Timeout | null = null;
  private nextOutageTimer: NodeJS.Timeout | null = null;
  private outageCount = 0;
  private outageMsDone = 0;
  private accepted = 0;

  constructor(opts: LinkOptions) {
    this.opts = opts;
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
    const common = { latencyMs: opts.latencyMs, lossRate: opts.lossRate, mss: opts.mss ?? DEFAULT_MSS, queueBytes: opts.queueBytes ?? DEFAULT_QUEUE_BYTES };
    // Separate streams, so the outage timeline does not shift with how much traffic passed.
    this.up = new LinkDirection({ ...common, rateBps: opts.upRateBps, random: mulberry32(seed ^ 0x9e3779b9) });
    this.down = new LinkDirection({ ...common, rateBps: opts.downRateBps, random: mulberry32(seed ^ 0x85ebca6b) });
    this.outageRandom = mulberry32(seed);
  }

  private get mode(): OutageMode {
    return this.opts.outageMode ?? 'reset';
  }

  start(): Promise<number> {
    if (this.stopping) return Promise.reject(new Error('LinkEmulator already stopped'));
    this.starting ??= this.listen();
    return this.starting;
  }

  private listen(): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listenPort ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
        this.scheduleOutage();
      });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Starts an outage now; it ends after durationMs, or at restore() if none is given. */
  cut(durationMs?: number): void {
    if (this.stopping) return;
    if (!this.isDown) this.goDown();
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = durationMs === undefined ? null : setTimeout(() => this.restore(), durationMs);
  }

  restore(): void {
    if (!this.isDown) return;
    this.isDown = false;
    this.outageMsDone += performance.now() - this.downSince;
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = null;
    this.up.setDown(false);
    this.down.setDown(false);
    for (const c of this.conns) {
      c.connectThrough(this.opts.target);
      c.rearm();
    }
    this.opts.onOutage?.('up');
    this.scheduleOutage();
  }

  stats(): LinkStats {
    return {
      upBytes: this.up.deliveredBytes,
      downBytes: this.down.deliveredBytes,
      upRetransmitBytes: this.up.retransmitBytes,
      downRetransmitBytes: this.down.retransmitBytes,
      lostPackets: this.up.lostPackets + this.down.lostPackets,
      outages: this.outageCount,
      outageMs: this.outageMsDone + (this.isDown ? performance.now() - this.downSince : 0),
      connections: this.accepted,
      activeConnections: this.conns.size,
      peakQueueBytes: Math.max(this.up.peakQueueBytes, this.down.peakQueueBytes),
    };
  }

  resetStats(): void {
    for (const d of [this.up, this.down]) {
      d.deliveredBytes = 0;
      d.retransmitBytes = 0;
      d.lostPackets = 0;
      d.peakQueueBytes = 0;
    }
    this.outageCount = 0;
    this.outageMsDone = 0;
    this.accepted = 0;
    if (this.isDown) this.downSince = performance.now();
  }

  private accept(socket: Socket): void {
    this.accepted++;
    if (this.stopping || (this.isDown && this.mode === 'reset')) {
      // A dead beam: the client's connect "succeeds" locally and then drops.
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, { up: this.up, down: this.down }, (c) => this.conns.delete(c));
    this.conns.add(conn);
    if (!this.isDown) conn.connectThrough(this.opts.target);
  }

  private goDown(): void {
    this.isDown = true;
    this.downSince = performance.now();
    this.outageCount++;
    if (this.nextOutageTimer) clearTimeout(this.nextOutageTimer);
    this.nextOutageTimer = null;
    this.up.setDown(true);
    this.down.setDown(true);
    if (this.mode === 'reset') for (const c of this.conns) c.destroy();
    this.opts.onOutage?.('down');
  }

  private scheduleOutage(): void {
    const o = this.opts.outages;
    if (!o || this.stopping || this.isDown || this.nextOutageTimer) return;
    const gap = exponential(this.outageRandom, o.meanIntervalMs);
    const duration = uniform(this.outageRandom, o.minDurationMs, o.maxDurationMs);
    this.nextOutageTimer = setTimeout(() => {
      this.nextOutageTimer = null;
      this.cut(duration);
    }, gap);
  }

  private async shutdown(): Promise<void> {
    for (const t of [this.restoreTimer, this.nextOutageTimer]) if (t) clearTimeout(t);
    this.restoreTimer = this.nextOutageTimer = null;
    if (this.isDown) this.outageMsDone += performance.now() - this.downSince;
    this.isDown = false;
    this.up.halt();
    this.down.halt();
    for (const c of this.conns) c.destroy();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
