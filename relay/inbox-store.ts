/**
 * The durable inbox (SQLite): chunks are stored as they arrive, so a transfer
 * resumes after any break; a finished transfer keeps its row (and receipt) so
 * a resent bundle is answered from here and never stored twice.
 */
import { Bitmap } from '../protocol/bitmap.js';
import { chunkCount, type TransferShape } from '../protocol/chunking.js';
import type { Db } from '../lib/sqlite.js';
import { migrate } from '../lib/sqlite.js';
import { outcomeParams, RELAY_MIGRATIONS } from './schema.js';

export type InboxRow = TransferShape & {
  peer: string;
  id: string;
  have: Bitmap;
  state: 'partial' | 'complete' | 'rejected';
  receipt: string | null;
  rejectCode: string | null;
  rejectReason: string | null;
};

type RawRow = {
  peer: string; id: string; kind: number; priority: number; total_size: number; chunk_size: number; have: Buffer;
  state: InboxRow['state']; receipt: string | null; reject_code: string | null; reject_reason: string | null;
};

function toRow(r: RawRow): InboxRow {
  const shape = { kind: r.kind, priority: r.priority, totalSize: r.total_size, chunkSize: r.chunk_size };
  return {
    ...shape, peer: r.peer, id: r.id, have: new Bitmap(chunkCount(shape), r.have), state: r.state,
    receipt: r.receipt, rejectCode: r.reject_code, rejectReason: r.reject_reason,
  };
}

export class InboxStore {
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'relay', RELAY_MIGRATIONS);
    this.q = {
      find: db.prepare('SELECT * FROM inbox_transfers WHERE peer = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO inbox_transfers (peer, id, kind, priority, total_size, chunk_size, have, created_at)
         VALUES (@peer, @id, @kind, @priority, @totalSize, @chunkSize, @have, @now)`,
      ),
      insertChunk: db.prepare('INSERT OR IGNORE INTO inbox_chunks (peer, id, idx, data) VALUES (?, ?, ?, ?)'),
      have: db.prepare('UPDATE inbox_transfers SET have = ? WHERE peer = ? AND id = ?'),
      chunks: db.prepare('SELECT data FROM inbox_chunks WHERE peer = ? AND id = ? ORDER BY idx').pluck(),
      dropChunks: db.prepare('DELETE FROM inbox_chunks WHERE peer = ? AND id = ?'),
      finish: db.prepare(
        `UPDATE inbox_transfers SET state = @state, finished_at = @now, receipt = @receipt,
         reject_code = @code, reject_reason = @reason WHERE peer = @peer AND id = @id`,
      ),
    };
  }

  get(peer: string, id: string): InboxRow | undefined {
    const r = this.q.find.get(peer, id) as RawRow | undefined;
    return r && toRow(r);
  }

  /** Stores one checked chunk; returns the transfer's updated row. Call inside a transaction. */
  putChunk(peer: string, id: string, shape: TransferShape, index: number, data: Buffer, now: number): InboxRow {
    let row = this.get(peer, id);
    if (!row) {
      const have = Buffer.from(new Bitmap(chunkCount(shape)).toBytes());
      this.q.insert.run({ peer, id, ...shape, have, now });
      row = this.get(peer, id)!;
    }
    if (row.state !== 'partial' || row.have.has(index)) return row;
    this.q.insertChunk.run(peer, id, index, data);
    row.have.set(index);
    this.q.have.run(Buffer.from(row.have.toBytes()), peer, id);
    return row;
  }

  /** Remembers a refusal, so the same transfer sent again gets the same answer without being stored. */
  refuse(peer: string, id: string, shape: TransferShape, code: string, reason: string, now: number): void {
    if (!this.get(peer, id)) this.q.insert.run({ peer, id, ...shape, have: Buffer.alloc(0), now });
    this.finish(peer, id, { state: 'rejected', code, reason }, now);
  }

  assemble(peer: string, id: string): Buffer {
    return Buffer.concat(this.q.chunks.all(peer, id) as Buffer[]);
  }

  /** A bundle that failed its hash starts again from nothing; the sender still holds it. */
  reset(peer: string, id: string): void {
    const row = this.get(peer, id);
    if (!row) return;
    this.q.dropChunks.run(peer, id);
    this.q.have.run(Buffer.from(new Bitmap(row.have.size).toBytes()), peer, id);
  }

  finish(peer: string, id: string, outcome: { state: 'complete'; receipt: string } | { state: 'rejected'; code: string; reason: string }, now: number): void {
    this.q.finish.run({ ...outcomeParams(outcome), peer, id, now });
    this.q.dropChunks.run(peer, id);
  }
}
