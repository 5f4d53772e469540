/**
 * The access log's hash chain: each entry's hash covers the previous entry's
 * hash and every field of its own, so an entry deleted or edited in a copied
 * database breaks the chain at that point (RFC 6962's idea of an append-only
 * log, without the tree: the log is read in order, never proved piecewise).
 * A chain cannot tell a cut-off tail from a log that ended there: the copy
 * at the hub (audit-shipping) and the head `chasqui audit verify` prints are
 * what a tail is checked against. Pure: no I/O.
 */
import { createHash } from 'node:crypto';

/** The stored form of an entry, as it is hashed: detail as its stored JSON text. */
export type ChainedFields = {
  id: number; at: number; actor: string; action: string; target: string | null; detail: string | null;
  origin: string | null; outcome: string;
};

/** Where a chain starts: no entry before it. */
export const GENESIS = '0'.repeat(64);

export function entryHash(prev: string, e: ChainedFields): string {
  const fields = [e.id, e.at, e.actor, e.action, e.target, e.detail, e.origin, e.outcome];
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify(fields)).digest('hex');
}

export type ChainProblem =
  /** Entries with these ids are gone (a gap in the sequence). */
  | { kind: 'missing'; fromId: number; toId: number }
  /** This entry's fields or hash are not what was written. */
  | { kind: 'altered'; id: number };

export type ChainReport = {
  entries: number;
  /** Entries written before the log was chained (an older version); not checkable. */
  unchained: number;
  /** The last entry's id and hash: compare with the hub's copy to see a cut-off tail. */
  head: { id: number; hash: string } | null;
  problems: ChainProblem[];
};

export type ChainStart = { afterId: number; hash: string };

/**
 * Walks entries in id order from `start` (the genesis, or where retention
 * cut the log). After a problem it carries on from the stored hash, so one
 * edit is one problem, not every entry after it.
 */
export function verifyChain(rows: Iterable<ChainedFields & { hash: string | null }>, start: ChainStart = { afterId: 0, hash: GENESIS }): ChainReport {
  const report: ChainReport = { entries: 0, unchained: 0, head: null, problems: [] };
  let prev = start.hash;
  let lastId = start.afterId;
  for (const row of rows) {
    report.entries++;
    if (row.hash === null) {
      report.unchained++;
      lastId = row.id;
      continue;
    }
    if (row.id !== lastId + 1) report.problems.push({ kind: 'missing', fromId: lastId + 1, toId: row.id - 1 });
    else if (entryHash(prev, row) !== row.hash) report.problems.push({ kind: 'altered', id: row.id });
    prev = row.hash;
    lastId = row.id;
    report.head = { id: row.id, hash: row.hash };
  }
  return report;
}
