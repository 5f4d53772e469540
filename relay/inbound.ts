/**
 * The receiving half: messages are queued as they arrive and handled in
 * batches, one SQLite transaction per batch (group commit), so a hub keeps up
 * with many posts on one disk. Acknowledgements leave only after the commit.
 * A bundle is verified against its content address and handed to the
 * application inside one transaction with the inbox's "complete" mark: stored
 * once, answered forever after from the inbox row.
 */
import type { Logger } from 'pino';
import { ChasquiError, fromStoreError, isChasquiError, isTransientStoreError } from '../lib/errors.js';
import type { Db } from '../lib/sqlite.js';
import { checkChunk } from '../protocol/chunking.js';
import { sha256Hex } from '../protocol/bundle.js';
import { decode, type ChunkMessage, type Message, type TransferState } from '../protocol/messages.js';
import type { InboxRow, InboxStore } from './inbox-store.js';

/** Called with the opened (verified, plain) bundle; `id` is the transfer id, the SHA-256 of the sealed bytes. */
export type AcceptBundle = (peer: string, kind: number, bytes: Buffer, id: string) => string;

/**
 * Takes a complete, hash-checked bundle still sealed, and returns its receipt
 * when the application keeps it that way (a post whose data is locked until a
 * nurse signs in opens it then); undefined lets the relay open it now. Runs in
 * the completion transaction, like accept: kept exactly when acknowledged.
 */
export type HoldSealed = (peer: string, kind: number, sealed: Buffer, id: string) => string | undefined;

export type InboundDeps = {
  db: Db;
  inbox: InboxStore;
  logger: Logger;
  now: () => number;
  maxBundleBytes: number;
  acceptsKind: (kind: number) => boolean;
  accept: AcceptBundle;
  holdSealed?: HoldSealed;
  /** Verifies the sender's signature and opens the seal; throws a ChasquiError for anything else. */
  open: (peer: string, sealed: Buffer) => Buffer;
  /** Acks and statuses travel back through here. */
  reply: (peer: string, msg: Message) => void;
  /** Messages about our own outgoing transfers, handed over once the batch has committed. */
  onOutboundMessages: (messages: Array<[string, Message]>) => void;
  onReceived?: (peer: string, id: string, kind: number, receipt: string) => void;
};

type Pending = { peer: string; payload: Buffer };

export class Inbound {
  private queue: Pending[] = [];
  private scheduled = false;
  private stopped = false;
  /** `untrusted`: bundles refused because their signature or seal failed (forged, altered, misaddressed). */
  readonly counters = { messages: 0, malformed: 0, chunksStored: 0, duplicates: 0, bundles: 0, rejected: 0, untrusted: 0 };

  constructor(private readonly d: InboundDeps) {}

  /** Messages not yet handled are dropped unacknowledged: their senders still hold them. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
  }

  push(peer: string, payload: Buffer): void {
    if (this.stopped) return;
    this.queue.push({ peer, payload });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const batch = this.queue;
    this.queue = [];
    const replies: Array<[string, Message]> = [];
    const acks = new Map<string, { peer: string; msg: ChunkMessage; indices: number[] }>();
    const completable = new Map<string, { peer: string; id: string }>();
    const statusAfter = new Map<string, { peer: string; id: string }>();
    const outbound: Array<[string, Message]> = [];
    try {
      this.d.db.transaction(() => {
        for (const p of batch) this.handle(p, replies, acks, completable, statusAfter, outbound);
      })();
    } catch (err) {
      // Nothing of this batch was stored or acknowledged; the senders still hold it and will ask again.
      const e = fromStoreError(err);
      this.d.logger.error({ code: e.code, err: e.message, messages: batch.length }, 'inbox write failed');
      return;
    }
    if (outbound.length) this.d.onOutboundMessages(outbound);
    for (const { peer, msg, indices } of acks.values()) {
      // One ack message per 4096 chunks keeps the u16 count honest whatever a batch holds.
      for (let i = 0; i < indices.length; i += 4096) this.d.reply(peer, { type: 'ack', transferId: msg.transferId, indices: indices.slice(i, i + 4096) });
    }
    for (const [peer, msg] of replies) this.d.reply(peer, msg);
    for (const { peer, id } of completable.values()) this.complete(peer, id);
    for (const { peer, id } of statusAfter.values()) {
      if (!completable.has(`${peer}/${id}`)) this.replyStatus(peer, id);
    }
  }

  private handle(
    p: Pending,
    replies: Array<[string, Message]>,
    acks: Map<string, { peer: string; msg: ChunkMessage; indices: number[] }>,
    completable: Map<string, { peer: string; id: string }>,
    statusAfter: Map<string, { peer: string; id: string }>,
    outbound: Array<[string, Message]>,
  ): void {
    this.counters.messages++;
    let msg: Message;
    try {
      msg = decode(p.payload);
    } catch (err) {
      this.counters.malformed++;
      const e = err as ChasquiError;
      this.d.logger.warn({ peer: p.peer, code: e.code, err: e.message, bytes: p.payload.length }, 'dropped a malformed message');
      return;
    }
    const id = msg.transferId.toString('hex');
    const key = `${p.peer}/${id}`;
    if (msg.type === 'ack' || msg.type === 'status') {
      outbound.push([p.peer, msg]);
      return;
    }
    if (msg.type === 'statusRequest') {
      const row = this.d.inbox.get(p.peer, id);
      if (row?.state === 'partial' && row.have.complete) completable.set(key, { peer: p.peer, id });
      statusAfter.set(key, { peer: p.peer, id });
      return;
    }
    const row = this.storeChunk(p.peer, id, msg, replies);
    if (!row) return;
    const entry = acks.get(key) ?? { peer: p.peer, msg, indices: [] };
    if (!entry.indices.includes(msg.index)) entry.indices.push(msg.index);
    acks.set(key, entry);
    if (row.have.complete) completable.set(key, { peer: p.peer, id });
  }

  /** Returns the transfer row when the chunk is (or already was) held; null when it was refused or dropped. */
  private storeChunk(peer: string, id: string, msg: ChunkMessage, replies: Array<[string, Message]>): InboxRow | null {
    const row = this.d.inbox.get(peer, id);
    if (row && row.state !== 'partial') {
      replies.push([peer, { type: 'status', transferId: msg.transferId, ...stateOf(row) }]);
      return null;
    }
    try {
      const shape = checkChunk(msg, row, { maxBundleBytes: this.d.maxBundleBytes });
      if (!this.d.acceptsKind(shape.kind)) throw new ChasquiError('CHASQUI_ERR_UNKNOWN_KIND', `kind ${shape.kind}`);
      if (row?.have.has(msg.index)) this.counters.duplicates++;
      else this.counters.chunksStored++;
      return this.d.inbox.putChunk(peer, id, shape, msg.index, msg.payload, this.d.now());
    } catch (err) {
      if (!isChasquiError(err) || err.code === 'CHASQUI_ERR_CHUNK_CORRUPT') {
        if (!isChasquiError(err)) throw err;
        this.d.logger.warn({ peer, transfer: id, code: err.code, err: err.message }, 'dropped a chunk');
        return null;
      }
      this.refuse(peer, id, msg, err, replies);
      return null;
    }
  }

  private refuse(peer: string, id: string, msg: ChunkMessage, err: ChasquiError, replies: Array<[string, Message]>): void {
    this.counters.rejected++;
    const shape = { kind: msg.kind, priority: msg.priority, totalSize: msg.totalSize, chunkSize: msg.chunkSize };
    this.d.inbox.refuse(peer, id, shape, err.code, err.message, this.d.now());
    this.d.logger.warn({ peer, transfer: id, code: err.code, err: err.message }, 'refused a transfer');
    replies.push([peer, { type: 'status', transferId: msg.transferId, state: 'rejected', code: err.code, reason: err.message }]);
  }

  private complete(peer: string, id: string): void {
    const log = this.d.logger.child({ peer, transfer: id });
    try {
      const outcome = this.d.db.transaction(() => this.completeInTx(peer, id))();
      if (outcome?.state === 'complete') {
        this.counters.bundles++;
        this.d.onReceived?.(peer, id, outcome.kind, outcome.receipt);
      }
    } catch (err) {
      const e = fromStoreError(err);
      log.error({ code: e.code, err: e.message }, 'could not store a complete bundle; will retry when asked');
      return;
    }
    this.replyStatus(peer, id);
  }

  private completeInTx(peer: string, id: string): { state: string; kind: number; receipt: string } | undefined {
    const row = this.d.inbox.get(peer, id);
    if (!row || row.state !== 'partial' || !row.have.complete) return undefined;
    const bytes = this.d.inbox.assemble(peer, id);
    if (sha256Hex(bytes) !== id) {
      this.d.logger.error({ peer, transfer: id, code: 'CHASQUI_ERR_BUNDLE_HASH_MISMATCH' }, 'bundle hash mismatch; asking for it again');
      this.d.inbox.reset(peer, id);
      return undefined;
    }
    try {
      const receipt = this.d.holdSealed?.(peer, row.kind, bytes, id) ?? this.d.accept(peer, row.kind, this.opened(peer, id, bytes), id);
      this.d.inbox.finish(peer, id, { state: 'complete', receipt }, this.d.now());
      return { state: 'complete', kind: row.kind, receipt };
    } catch (err) {
      if (isTransientStoreError(err)) throw fromStoreError(err);
      if (isChasquiError(err, 'CHASQUI_ERR_UNKNOWN_KEY')) throw err;
      const e = isChasquiError(err) ? err : new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', (err as Error).message);
      this.counters.rejected++;
      this.d.inbox.finish(peer, id, { state: 'rejected', code: e.code, reason: e.message }, this.d.now());
      this.d.logger.warn({ peer, transfer: id, code: e.code, err: e.message }, 'refused a bundle');
      return { state: 'rejected', kind: row.kind, receipt: '' };
    }
  }

  /**
   * Nothing is stored before the sender's signature and the seal check out.
   * A peer whose keys are not registered yet is not refused for good: the
   * transfer waits, whole, and completes when asked again after registration.
   */
  private opened(peer: string, id: string, sealed: Buffer): Buffer {
    try {
      return this.d.open(peer, sealed);
    } catch (err) {
      if (isChasquiError(err, 'CHASQUI_ERR_SIGNATURE') || isChasquiError(err, 'CHASQUI_ERR_SEAL')) {
        this.counters.untrusted++;
        this.d.logger.warn({ peer, transfer: id, code: err.code, err: err.message }, 'refused an untrusted bundle');
      }
      throw err;
    }
  }

  private replyStatus(peer: string, id: string): void {
    const row = this.d.inbox.get(peer, id);
    const state: TransferState = row ? stateOf(row) : { state: 'unknown' };
    this.d.reply(peer, { type: 'status', transferId: Buffer.from(id, 'hex'), ...state });
  }
}

function stateOf(row: InboxRow): TransferState {
  switch (row.state) {
    case 'complete':
      return { state: 'complete', receipt: row.receipt ?? '' };
    case 'rejected':
      return { state: 'rejected', code: row.rejectCode ?? 'CHASQUI_ERR_BUNDLE_MALFORMED', reason: row.rejectReason ?? '' };
    case 'partial':
      return { state: 'partial', chunkCount: row.have.size, have: row.have.toBytes() };
  }
}
