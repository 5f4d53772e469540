/**
 * The relay's tables. The outbox is the source of truth for what must still
 * travel (MQTT is only a carrier); the inbox holds chunks as they arrive so a
 * transfer resumes after any break, and remembers finished transfers so a
 * resend is answered, never stored twice. Keyed by peer: a post's peer is the
 * hub, the hub's peers are its posts.
 */
export const RELAY_MIGRATIONS = [
  `
  CREATE TABLE outbox_transfers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    peer TEXT NOT NULL,
    id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    total_size INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    acked BLOB NOT NULL,
    started INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'rejected')),
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    receipt TEXT,
    reject_code TEXT,
    reject_reason TEXT,
    UNIQUE (peer, id)
  );
  CREATE INDEX outbox_queued ON outbox_transfers (state, priority, seq);
  CREATE TABLE outbox_chunks (
    seq INTEGER NOT NULL REFERENCES outbox_transfers (seq) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (seq, idx)
  ) WITHOUT ROWID;
  CREATE TABLE inbox_transfers (
    peer TEXT NOT NULL,
    id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    total_size INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    have BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'partial' CHECK (state IN ('partial', 'complete', 'rejected')),
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    receipt TEXT,
    reject_code TEXT,
    reject_reason TEXT,
    PRIMARY KEY (peer, id)
  ) WITHOUT ROWID;
  CREATE TABLE inbox_chunks (
    peer TEXT NOT NULL,
    id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (peer, id, idx)
  ) WITHOUT ROWID;
  `,
];

export type Outcome = { state: 'delivered' | 'complete'; receipt: string } | { state: 'rejected'; code: string; reason: string };

/** The columns a finished transfer writes, on either side. */
export function outcomeParams(o: Outcome): { state: string; receipt: string | null; code: string | null; reason: string | null } {
  return o.state === 'rejected'
    ? { state: o.state, receipt: null, code: o.code, reason: o.reason }
    : { state: o.state, receipt: o.receipt, code: null, reason: null };
}
