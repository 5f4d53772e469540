/**
 * The store-and-forward engine both sides run (README.md#transport). It owns
 * the outbox and inbox, one SendWindow per peer, and the carrier; it knows
 * neither post nor hub: the side that builds it says which topics lead to
 * which peer and what to do with a bundle that arrives.
 *
 * Constructor assigns; start() loads the outbox and connects; stop() undoes.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { fromStoreError } from '../lib/errors.js';
import type { Db } from '../lib/sqlite.js';
import { Bitmap } from '../protocol/bitmap.js';
import { encode, type Message } from '../protocol/messages.js';
import { SendWindow, type SendAction } from '../protocol/send-window.js';
import { sha256Hex } from '../protocol/bundle.js';
import type { Carrier } from './carrier.js';
import { InboxStore } from './inbox-store.js';
import { Inbound, type AcceptBundle, type HoldSealed } from './inbound.js';
import { OutboxStore, type OutboxRow } from './outbox-store.js';
import type { Trust } from './trust.js';

export type RelayRoutes = {
  /** The topic that carries messages to this peer. */
  outTopic(peer: string): string;
  /** The peer a message on this topic came from, or null when it is not ours. */
  peerOf(topic: string): string | null;
};

export type RelayTuning = {
  chunkSize: number;
  maxWindowBytes: number;
  maxBundleBytes: number;
  minRtoMs: number;
  maxRtoMs: number;
  initialRtoMs: number;
  tickMs: number;
};

export type RelayDeps = {
  db: Db;
  carrier: Carrier;
  clock: Clock;
  logger: Logger;
  routes: RelayRoutes;
  tuning: RelayTuning;
  acceptsKind: (kind: number) => boolean;
  accept: AcceptBundle;
  /** Keeps a bundle as it came, sealed, instead of opening it now (see HoldSealed). */
  holdSealed?: HoldSealed;
  /** Seals what is queued, opens what arrives, signs and checks the statuses that end a transfer. */
  trust: Trust;
  isKnownPeer?: (peer: string) => boolean;
};

export type RelayEvents = {
  delivered: [peer: string, id: string, receipt: string];
  rejected: [peer: string, id: string, code: string, reason: string];
  progress: [peer: string, id: string, acked: number, total: number];
  received: [peer: string, id: string, kind: number, receipt: string];
};

/** `bytes` is the plain bundle: the relay seals it to the peer, and the sealed bytes' SHA-256 is the transfer id. */
export type EnqueueRequest = { peer: string; kind: number; priority: number; bytes: Buffer; chunkSize?: number };

export class Relay extends EventEmitter<RelayEvents> {
  readonly outbox: OutboxStore;
  readonly inbox: InboxStore;
  readonly counters = { chunksSent: 0, bytesSent: 0, resentBytes: 0, statusRequests: 0, publishErrors: 0, forgedStatuses: 0 };
  private readonly windows = new Map<string, SendWindow>();
  private readonly rows = new Map<string, OutboxRow>();
  private readonly everSent = new Map<string, Bitmap>();
  private readonly inbound: Inbound;
  private timer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private committed: Array<() => void> = [];
  /** Deferred work checks this: after stop() the database may already be closed. */
  private running = false;

  constructor(private readonly d: RelayDeps) {
    super();
    this.outbox = new OutboxStore(d.db);
    this.inbox = new InboxStore(d.db);
    this.inbound = new Inbound({
      db: d.db,
      inbox: this.inbox,
      logger: d.logger,
      now: () => d.clock.now(),
      maxBundleBytes: d.tuning.maxBundleBytes,
      acceptsKind: d.acceptsKind,
      accept: d.accept,
      holdSealed: d.holdSealed,
      open: (peer, sealed) => d.trust.open(peer, sealed),
      reply: (peer, msg) => this.publish(peer, msg),
      onOutboundMessages: (messages) => this.onOutboundMessages(messages),
      onReceived: (peer, id, kind, receipt) => this.emit('received', peer, id, kind, receipt),
    });
  }

  get inboundCounters(): Inbound['counters'] {
    return this.inbound.counters;
  }

  async start(): Promise<void> {
    this.running = true;
    this.loadQueued();
    const c = this.d.carrier;
    c.on('message', ({ topic, payload }) => this.onMessage(topic, payload));
    c.on('connected', () => {
      const now = this.d.clock.now();
      for (const w of this.windows.values()) w.onConnected(now);
      this.schedulePump();
    });
    c.on('disconnected', () => {
      for (const w of this.windows.values()) w.onDisconnected();
    });
    this.timer = setInterval(() => this.tick(), this.d.tuning.tickMs);
    this.timer.unref();
    await c.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.inbound.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.d.carrier.stop();
  }

  /**
   * Queues a bundle for a peer. Safe inside the caller's transaction: the
   * window learns of it from the database once the transaction has committed.
   */
  enqueue(req: EnqueueRequest): OutboxRow {
    const bytes = this.d.trust.seal(req.peer, req.bytes);
    const { row } = this.outbox.enqueue({ ...req, bytes, id: sha256Hex(bytes), chunkSize: req.chunkSize ?? this.d.tuning.chunkSize, now: this.d.clock.now() });
    setImmediate(() => {
      if (!this.running) return;
      // Re-read this one row: if the caller's transaction rolled back, there is nothing to track.
      this.guard('track', () => {
        const committed = this.outbox.get(req.peer, row.id);
        if (committed?.state === 'queued') this.track(committed);
      });
      this.schedulePump();
    });
    return row;
  }

  /** What the sender has learnt of the link to a peer, for heartbeats and dashboards. */
  linkEstimate(peer: string): { rttMs: number | null; rateBps: number | null } {
    const l = this.windows.get(peer)?.link;
    return { rttMs: l?.smoothedRttMs ?? null, rateBps: l?.rateBytesPerS ?? null };
  }

  /** Bytes acknowledged so far of a transfer still travelling, for progress bars. */
  progress(peer: string, id: string): { acked: number; total: number } | undefined {
    const acked = this.windows.get(peer)?.acked(id);
    return acked && { acked: acked.count, total: acked.size };
  }

  private windowFor(peer: string): SendWindow {
    let w = this.windows.get(peer);
    if (!w) {
      w = new SendWindow({ ...this.d.tuning, paceLeadMs: this.d.tuning.tickMs });
      if (this.d.carrier.isConnected) w.onConnected(this.d.clock.now());
      this.windows.set(peer, w);
    }
    return w;
  }

  /** At start and after a failed write: everything the outbox still owes. */
  private loadQueued(): void {
    for (const row of this.outbox.queued()) this.track(row);
  }

  private track(row: OutboxRow): void {
    const key = `${row.peer}/${row.id}`;
    if (this.rows.has(key)) return;
    this.rows.set(key, row);
    this.windowFor(row.peer).add({ ...row }, this.d.clock.now());
  }

  private tick(): void {
    const now = this.d.clock.now();
    for (const w of this.windows.values()) w.tick(now);
    this.guard('pump', () => this.pump());
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (this.running) this.guard('pump', () => this.pump());
    });
  }

  private pump(): void {
    if (!this.d.carrier.isConnected) return;
    const now = this.d.clock.now();
    for (const [peer, w] of this.windows) {
      for (let a = w.next(now); a; a = w.next(now)) this.send(peer, a);
    }
  }

  private send(peer: string, a: SendAction): void {
    const row = this.rows.get(`${peer}/${a.id}`);
    if (!row) return;
    const transferId = Buffer.from(a.id, 'hex');
    if (a.type === 'statusRequest') {
      this.counters.statusRequests++;
      return this.publish(peer, { type: 'statusRequest', transferId });
    }
    const payload = this.outbox.chunk(row.seq, a.index);
    if (!payload) return this.d.logger.error({ peer, transfer: a.id, index: a.index }, 'outbox chunk missing');
    if (!row.started) {
      this.outbox.markStarted(row.seq);
      row.started = true;
    }
    this.countSend(row, a.index, payload.length);
    const { kind, priority, totalSize, chunkSize } = row;
    this.publish(peer, { type: 'chunk', transferId, kind, priority, totalSize, chunkSize, index: a.index, payload });
  }

  private countSend(row: OutboxRow, index: number, bytes: number): void {
    const key = `${row.peer}/${row.id}`;
    let sent = this.everSent.get(key);
    if (!sent) this.everSent.set(key, (sent = new Bitmap(row.acked.size)));
    if (!sent.set(index)) this.counters.resentBytes += bytes;
    this.counters.chunksSent++;
    this.counters.bytesSent += bytes;
  }

  private publish(peer: string, msg: Message): void {
    const signed = msg.type === 'status' ? this.d.trust.signStatus(msg) : msg;
    this.d.carrier.publish(this.d.routes.outTopic(peer), encode(signed)).catch((err: Error) => {
      // The message stays owed: the window's timeout asks the receiver again.
      this.counters.publishErrors++;
      this.d.logger.debug({ peer, err: err.message }, 'publish not confirmed');
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const peer = this.d.routes.peerOf(topic);
    if (peer === null) return;
    if (this.d.isKnownPeer && !this.d.isKnownPeer(peer)) {
      this.d.logger.warn({ peer, code: 'CHASQUI_ERR_UNKNOWN_POST', topic }, 'message from an unknown peer dropped');
      return;
    }
    this.inbound.push(peer, payload);
  }

  /**
   * Acks and statuses about our transfers, one transaction for the lot. If it
   * fails (a full disk), memory may be ahead of the database: the transfers
   * concerned are reloaded from it and ask the receiver again.
   */
  private onOutboundMessages(messages: Array<[string, Message]>): void {
    try {
      this.committed = [];
      this.d.db.transaction(() => {
        for (const [peer, msg] of messages) this.onOutboundMessage(peer, msg);
      })();
      for (const fn of this.committed.splice(0)) fn();
    } catch (err) {
      this.committed = [];
      const e = fromStoreError(err);
      this.d.logger.error({ code: e.code, err: e.message }, 'could not record acknowledgements; resynchronising');
      for (const [peer, msg] of messages) this.forget(peer, msg.transferId.toString('hex'));
      this.guard('reload', () => this.loadQueued());
    }
    this.schedulePump();
  }

  private onOutboundMessage(peer: string, msg: Message): void {
    const id = msg.transferId.toString('hex');
    // Checked before anything else, so every forgery is counted, whether or not it names a live transfer.
    if (msg.type === 'status' && !this.d.trust.statusFromPeer(peer, msg)) return this.forgedStatus(peer, id, msg.state);
    const w = this.windows.get(peer);
    const row = this.rows.get(`${peer}/${id}`);
    if (!w || !row) return;
    const now = this.d.clock.now();
    if (msg.type === 'ack') {
      if (w.onAck(id, msg.indices, now).length) this.saveProgress(peer, row, w);
    } else if (msg.type === 'status') {
      const outcome = w.onStatus(id, msg, now);
      if (outcome?.type === 'progress') this.saveProgress(peer, row, w);
      else if (outcome) this.finish(peer, row, outcome);
    }
  }

  /** Whoever carries the link could forge "complete" and lose a case: only the peer's own signature ends a transfer. */
  private forgedStatus(peer: string, id: string, state: string): void {
    this.counters.forgedStatuses++;
    this.d.logger.warn({ peer, transfer: id, state, code: 'CHASQUI_ERR_SIGNATURE' }, 'ignored a status not signed by the peer');
  }

  /** Runs fn after the current transaction, only if it committed. */
  private afterCommit(fn: () => void): void {
    this.committed.push(fn);
  }

  private forget(peer: string, id: string): void {
    this.windows.get(peer)?.remove(id);
    this.rows.delete(`${peer}/${id}`);
  }

  /** Work run from timers and deferred callbacks: a database fault is logged and retried next time, never a crash. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const e = fromStoreError(err);
      this.d.logger.error({ code: e.code, err: e.message, what }, 'relay work failed; will retry');
    }
  }

  private saveProgress(peer: string, row: OutboxRow, w: SendWindow): void {
    const acked = w.acked(row.id);
    if (!acked) return;
    this.outbox.saveAcked(row.seq, acked);
    this.afterCommit(() => this.emit('progress', peer, row.id, acked.count, acked.size));
  }

  private finish(peer: string, row: OutboxRow, outcome: { type: 'delivered'; receipt: string } | { type: 'rejected'; code: string; reason: string }): void {
    const key = `${peer}/${row.id}`;
    this.rows.delete(key);
    this.everSent.delete(key);
    const now = this.d.clock.now();
    // Events wait for the commit: a rolled-back "delivered" must never reach a nurse's screen.
    if (outcome.type === 'delivered') {
      this.outbox.finish(peer, row.id, { state: 'delivered', receipt: outcome.receipt }, now);
      this.afterCommit(() => this.emit('delivered', peer, row.id, outcome.receipt));
    } else {
      this.outbox.finish(peer, row.id, { state: 'rejected', code: outcome.code, reason: outcome.reason }, now);
      this.afterCommit(() => this.emit('rejected', peer, row.id, outcome.code, outcome.reason));
    }
  }
}
