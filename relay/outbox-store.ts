/**
 * The durable outbox (SQLite). A bundle enters it whole, already cut into
 * chunks, inside the caller's transaction, so a case is either queued
 * completely or not at all, whatever happens to the power.
 */
import { Bitmap } from '../protocol/bitmap.js';
import { chunkCount, splitIntoChunks } from '../protocol/chunking.js';
import type { Db } from '../lib/sqlite.js';
import { migrate } from '../lib/sqlite.js';
import { outcomeParams, RELAY_MIGRATIONS } from './schema.js';

export type OutboxState = 'queued' | 'delivered' | 'rejected';

export type OutboxRow = {
  seq: number;
  peer: string;
  id: string;
  kind: number;
  priority: number;
  totalSize: number;
  chunkSize: number;
  acked: Bitmap;
  started: boolean;
  state: OutboxState;
  createdAt: number;
  finishedAt: number | null;
  receipt: string | null;
  rejectCode: string | null;
  rejectReason: string | null;
};

export type EnqueueInput = { peer: string; id: string; kind: number; priority: number; bytes: Buffer; chunkSize: number; now: number };

type RawRow = {
  seq: number; peer: string; id: string; kind: number; priority: number; total_size: number; chunk_size: number;
  acked: Buffer; started: number; state: OutboxState; created_at: number; finished_at: number | null;
  receipt: string | null; reject_code: string | null; reject_reason: string | null;
};

function toRow(r: RawRow): OutboxRow {
  const shape = { totalSize: r.total_size, chunkSize: r.chunk_size };
  return {
    seq: r.seq, peer: r.peer, id: r.id, kind: r.kind, priority: r.priority, totalSize: r.total_size,
    chunkSize: r.chunk_size, acked: new Bitmap(chunkCount(shape), r.acked), started: r.started === 1,
    state: r.state, createdAt: r.created_at, finishedAt: r.finished_at, receipt: r.receipt,
    rejectCode: r.reject_code, rejectReason: r.reject_reason,
  };
}

export class OutboxStore {
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'relay', RELAY_MIGRATIONS);
    this.q = {
      find: db.prepare('SELECT * FROM outbox_transfers WHERE peer = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO outbox_transfers (peer, id, kind, priority, total_size, chunk_size, acked, created_at)
         VALUES (@peer, @id, @kind, @priority, @totalSize, @chunkSize, @acked, @now)`,
      ),
      insertChunk: db.prepare('INSERT INTO outbox_chunks (seq, idx, data) VALUES (?, ?, ?)'),
      queued: db.prepare(`SELECT * FROM outbox_transfers WHERE state = 'queued' ORDER BY priority, seq`),
      chunk: db.prepare('SELECT data FROM outbox_chunks WHERE seq = ? AND idx = ?').pluck(),
      started: db.prepare('UPDATE outbox_transfers SET started = 1 WHERE seq = ? AND started = 0'),
      acked: db.prepare('UPDATE outbox_transfers SET acked = ? WHERE seq = ?'),
      finish: db.prepare(
        `UPDATE outbox_transfers SET state = @state, finished_at = @now, receipt = @receipt,
         reject_code = @code, reject_reason = @reason WHERE peer = @peer AND id = @id AND state = 'queued'`,
      ),
      dropChunks: db.prepare('DELETE FROM outbox_chunks WHERE seq = (SELECT seq FROM outbox_transfers WHERE peer = ? AND id = ?)'),
      list: db.prepare('SELECT * FROM outbox_transfers WHERE peer = ? ORDER BY seq DESC LIMIT ?'),
    };
  }

  /** Idempotent: the same bundle queued twice is one transfer (its id is its hash). */
  enqueue(input: EnqueueInput): { row: OutboxRow; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.get(input.peer, input.id);
      if (existing) return { row: existing, created: false };
      const count = chunkCount({ totalSize: input.bytes.length, chunkSize: input.chunkSize });
      const { lastInsertRowid } = this.q.insert.run({
        ...input, totalSize: input.bytes.length, acked: Buffer.from(new Bitmap(count).toBytes()),
      });
      const seq = Number(lastInsertRowid);
      splitIntoChunks(input.bytes, input.chunkSize).forEach((c, i) => this.q.insertChunk.run(seq, i, c));
      return { row: this.get(input.peer, input.id)!, created: true };
    })();
  }

  get(peer: string, id: string): OutboxRow | undefined {
    const r = this.q.find.get(peer, id) as RawRow | undefined;
    return r && toRow(r);
  }

  queued(): OutboxRow[] {
    return (this.q.queued.all() as RawRow[]).map(toRow);
  }

  recent(peer: string, limit = 100): OutboxRow[] {
    return (this.q.list.all(peer, limit) as RawRow[]).map(toRow);
  }

  chunk(seq: number, index: number): Buffer | undefined {
    return this.q.chunk.get(seq, index) as Buffer | undefined;
  }

  markStarted(seq: number): void {
    this.q.started.run(seq);
  }

  saveAcked(seq: number, acked: Bitmap): void {
    this.q.acked.run(Buffer.from(acked.toBytes()), seq);
  }

  /** Chunks go once the receiver holds the bundle durably; the row stays as the delivery record. */
  finish(peer: string, id: string, outcome: { state: 'delivered'; receipt: string } | { state: 'rejected'; code: string; reason: string }, now: number): boolean {
    return this.db.transaction(() => {
      const changed = this.q.finish.run({ ...outcomeParams(outcome), peer, id, now }).changes > 0;
      if (changed) this.q.dropChunks.run(peer, id);
      return changed;
    })();
  }
}
