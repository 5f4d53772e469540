/**
 * The sender's half of the transfer protocol, as a pure state machine: which
 * chunk goes next, how many may be unacknowledged, when to ask the receiver
 * what it holds. The relay adapter feeds it events and a clock; it never
 * touches a socket or a disk, so every rule here is tested without sleeps.
 *
 * Rules:
 * - Urgent before routine before bulk; within a class, oldest first. The
 *   choice is made per chunk, so an urgent case overtakes within one chunk.
 * - At most `windowBytes` unacknowledged (LinkEstimator): never stop-and-wait,
 *   never a backlog in socket buffers that urgent data would queue behind.
 *   When acknowledgements run late (a lost packet holds the line for a round
 *   trip) and the link would otherwise fall idle, one more chunk may go, up
 *   to a hard cap: the pacer knows when the link will have sent what it holds.
 * - The receiver's status is authoritative. After a reconnect or restart a
 *   transfer asks for status and resends only what the receiver lacks. After a
 *   reconnect it keeps sending fresh chunks meanwhile (it knows which ones
 *   were in flight); after a restart it knows nothing and waits for the answer.
 * - A status request travels on the same ordered topic as the chunks, so a
 *   chunk sent before the request and missing from the reply was really lost.
 */
import { Bitmap } from './bitmap.js';
import { chunkCount, chunkLength } from './chunking.js';
import { LinkEstimator, type EstimatorOptions } from './link-estimator.js';
import type { TransferState } from './messages.js';

export type OutgoingTransfer = {
  id: string;
  kind: number;
  priority: number;
  /** Submission order; older first within a priority. */
  seq: number;
  totalSize: number;
  chunkSize: number;
  acked: Bitmap;
  /** Some chunk may have left in an earlier connection or process: ask before sending. */
  started: boolean;
};

export type SendAction = { type: 'chunk'; id: string; index: number; bytes: number } | { type: 'statusRequest'; id: string };

export type StatusOutcome =
  | { type: 'progress'; newlyAcked: number[]; acked: Bitmap }
  | { type: 'delivered'; receipt: string }
  | { type: 'rejected'; code: string; reason: string };

export type SendWindowOptions = EstimatorOptions & {
  chunkSize: number;
  maxWindowBytes: number;
  /** How far ahead of the link falling idle the next chunk is released: the caller's polling period. */
  paceLeadMs?: number;
};

type Live = OutgoingTransfer & {
  count: number;
  inflight: Map<number, number>;
  inflightBytes: number;
  resend: number[];
  cursor: number;
  /** Waiting for status before sending anything: after a restart, in-flight chunks are unknown. */
  syncing: boolean;
  /** Sent before a reconnect; not resent unless the receiver's status says they are missing. */
  suspect: Set<number>;
  statusWanted: boolean;
  statusSentAt: number | undefined;
  statusBackoff: number;
  lastProgressAt: number;
};

export class SendWindow {
  readonly link: LinkEstimator;
  private readonly transfers = new Map<string, Live>();
  private connected = false;
  private inflightBytes = 0;
  /** When the link will have transmitted everything handed to it, at the estimated rate. */
  private busyUntil = 0;

  constructor(private readonly opts: SendWindowOptions) {
    this.link = new LinkEstimator(opts);
  }

  add(t: OutgoingTransfer, now: number): void {
    const live: Live = {
      ...t,
      count: chunkCount(t),
      inflight: new Map(),
      inflightBytes: 0,
      resend: [],
      cursor: 0,
      syncing: t.started,
      suspect: new Set(),
      statusWanted: t.started,
      statusSentAt: undefined,
      statusBackoff: 1,
      lastProgressAt: now,
    };
    this.transfers.set(t.id, live);
  }

  has(id: string): boolean {
    return this.transfers.has(id);
  }

  remove(id: string): void {
    const t = this.transfers.get(id);
    if (!t) return;
    this.inflightBytes -= t.inflightBytes;
    this.transfers.delete(id);
  }

  /** What the receiver has acknowledged so far, for persisting and for progress bars. */
  acked(id: string): Bitmap | undefined {
    return this.transfers.get(id)?.acked;
  }

  get unackedBytes(): number {
    return this.inflightBytes;
  }

  get size(): number {
    return this.transfers.size;
  }

  onConnected(now: number): void {
    this.connected = true;
    for (const t of this.transfers.values()) {
      // A fresh link is a fresh start for backoff; anything owed an answer asks now, not in minutes.
      t.statusBackoff = 1;
      const owed = t.inflight.size > 0 || t.syncing || t.suspect.size > 0 || t.acked.complete || t.statusSentAt !== undefined;
      if (!owed) continue;
      for (const i of t.inflight.keys()) t.suspect.add(i);
      this.clearInflight(t);
      t.statusWanted = true;
      t.statusSentAt = undefined;
      t.lastProgressAt = now;
    }
  }

  onDisconnected(): void {
    this.connected = false;
    this.link.forgetRate();
  }

  /** The next thing to put on the wire, or null when the window is full or nothing is due. */
  next(now: number): SendAction | null {
    if (!this.connected) return null;
    const ordered = this.ordered();
    for (const t of ordered) {
      if (t.statusWanted) {
        t.statusWanted = false;
        t.statusSentAt = now;
        return { type: 'statusRequest', id: t.id };
      }
    }
    const window = this.link.windowBytes(this.opts.chunkSize, this.opts.maxWindowBytes);
    for (const t of ordered) {
      if (t.syncing) continue;
      const index = this.nextIndex(t);
      if (index === undefined) continue;
      const bytes = chunkLength(t, index);
      if (!this.mayRelease(bytes, window, now)) return null;
      this.markSent(t, index, bytes, now);
      return { type: 'chunk', id: t.id, index, bytes };
    }
    return null;
  }

  onAck(id: string, indices: number[], now: number): number[] {
    const t = this.transfers.get(id);
    if (!t) return [];
    const fresh: number[] = [];
    for (const i of indices) {
      const sentAt = t.inflight.get(i);
      if (sentAt !== undefined) this.settle(t, i);
      if (!t.acked.set(i)) continue;
      fresh.push(i);
      this.link.onAck(chunkLength(t, i), sentAt === undefined ? undefined : now - sentAt, now);
    }
    if (fresh.length) {
      t.lastProgressAt = now;
      t.statusBackoff = 1;
    }
    return fresh;
  }

  onStatus(id: string, state: TransferState, now: number): StatusOutcome | null {
    const t = this.transfers.get(id);
    if (!t) return null;
    t.lastProgressAt = now;
    t.statusBackoff = 1;
    switch (state.state) {
      case 'complete':
        this.remove(id);
        return { type: 'delivered', receipt: state.receipt };
      case 'rejected':
        this.remove(id);
        return { type: 'rejected', code: state.code, reason: state.reason };
      case 'unknown':
        return this.adopt(t, new Bitmap(t.count));
      case 'partial':
        return this.adopt(t, new Bitmap(t.count, state.chunkCount === t.count ? state.have : undefined));
    }
  }

  /** Asks for status where acknowledgements are overdue; call on a timer. */
  tick(now: number): void {
    if (!this.connected) return;
    const rto = this.link.rtoMs;
    for (const t of this.transfers.values()) {
      const waitingFor = t.inflight.size > 0 || t.acked.complete || t.syncing || t.suspect.size > 0;
      if (!waitingFor || t.statusWanted) continue;
      const since = Math.max(t.lastProgressAt, t.statusSentAt ?? 0);
      if (now - since > rto * t.statusBackoff) {
        t.statusWanted = true;
        t.statusBackoff = Math.min(t.statusBackoff * 2, 16);
      }
    }
  }

  /** The receiver's bitmap replaces ours: it may have lost what it once acknowledged. */
  private adopt(t: Live, have: Bitmap): StatusOutcome {
    const before = t.acked;
    const askedAt = t.statusSentAt ?? Number.POSITIVE_INFINITY;
    for (const [i, sentAt] of [...t.inflight]) {
      if (have.has(i) || sentAt <= askedAt) this.settle(t, i);
    }
    t.acked = have;
    t.suspect.clear();
    t.resend = [];
    t.cursor = 0;
    t.syncing = false;
    const newlyAcked = [...Array(t.count).keys()].filter((i) => have.has(i) && !before.has(i));
    return { type: 'progress', newlyAcked, acked: have };
  }

  private ordered(): Live[] {
    return [...this.transfers.values()].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  /** The next chunk this transfer would send; consumed only by markSent, so a full window loses nothing. */
  private nextIndex(t: Live): number | undefined {
    const skip = (i: number) => t.acked.has(i) || t.inflight.has(i) || t.suspect.has(i);
    while (t.resend.length && skip(t.resend[0]!)) t.resend.shift();
    if (t.resend.length) return t.resend[0];
    while (t.cursor < t.count && skip(t.cursor)) t.cursor++;
    return t.cursor < t.count ? t.cursor : undefined;
  }

  private mayRelease(bytes: number, window: number, now: number): boolean {
    if (this.inflightBytes === 0 || this.inflightBytes + bytes <= window) return true;
    const rate = this.link.rateBytesPerS;
    const idleSoon = rate !== undefined && this.busyUntil <= now + (this.opts.paceLeadMs ?? 0);
    return idleSoon && this.inflightBytes + bytes <= window + this.opts.chunkSize;
  }

  private markSent(t: Live, index: number, bytes: number, now: number): void {
    const rate = this.link.rateBytesPerS;
    if (rate) this.busyUntil = Math.max(this.busyUntil, now) + (1000 * bytes) / rate;
    if (t.resend[0] === index) t.resend.shift();
    else if (t.cursor === index) t.cursor++;
    t.inflight.set(index, now);
    t.inflightBytes += bytes;
    this.inflightBytes += bytes;
    t.started = true;
  }

  private settle(t: Live, index: number): void {
    if (!t.inflight.delete(index)) return;
    const bytes = chunkLength(t, index);
    t.inflightBytes -= bytes;
    this.inflightBytes -= bytes;
  }

  private clearInflight(t: Live): void {
    this.inflightBytes -= t.inflightBytes;
    t.inflight.clear();
    t.inflightBytes = 0;
  }
}
