/** A case's journey in words a nurse understands, derived from the outbox row. */
import type { OutboxRow } from '../../relay/outbox-store.js';

export type CaseStatus =
  | { state: 'waiting'; percent: 0 }
  | { state: 'sending'; percent: number }
  | { state: 'delivered'; percent: 100; deliveredAt: string; receipt: string }
  | { state: 'rejected'; percent: number; code: string; reason: string }
  | { state: 'unknown'; percent: 0 };

export function caseStatus(row: OutboxRow | undefined, live?: { acked: number; total: number }): CaseStatus {
  if (!row) return { state: 'unknown', percent: 0 };
  const acked = live ?? { acked: row.acked.count, total: row.acked.size };
  const percent = Math.floor((100 * acked.acked) / Math.max(1, acked.total));
  switch (row.state) {
    case 'delivered':
      return { state: 'delivered', percent: 100, deliveredAt: new Date(row.finishedAt ?? 0).toISOString(), receipt: row.receipt ?? '' };
    case 'rejected':
      return { state: 'rejected', percent, code: row.rejectCode ?? '', reason: row.rejectReason ?? '' };
    case 'queued':
      return acked.acked > 0 || row.started ? { state: 'sending', percent: Math.min(99, percent) } : { state: 'waiting', percent: 0 };
  }
}
