/**
 * The post's access log goes up to the hub: every `shipEveryMinutes`, the
 * entries not yet queued leave as one batch per MAX_BATCH_ENTRIES, at bulk
 * priority (behind every case), signed and sealed by the relay like any
 * bundle. A batch and the mark of what it carried are written in one
 * transaction, so a power cut neither loses a run nor queues it twice (and
 * a run offered twice is the same bundle anyway: its id and bytes follow
 * from the entries). Retention removes only what the hub confirmed it holds.
 */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import type { AuditLog } from '../../lib/auth/audit-log.js';
import { GENESIS } from '../../lib/auth/audit-chain.js';
import { auditBatchId, MAX_BATCH_ENTRIES, type AuditBatch, type ShippedEntry } from '../../protocol/audit-batch.js';
import { buildBundle } from '../../protocol/bundle.js';
import { Priority, TransferKind } from '../../protocol/priority.js';
import type { Relay } from '../../relay/relay.js';

export type AuditShippingDeps = {
  db: Db; audit: AuditLog; relay: Pick<Relay, 'enqueue' | 'on'>; clock: Clock; logger: Logger;
  postId: string; peer: string; maxBundleBytes: number;
  options: { shipEveryMinutes: number; retentionDays: number };
};

const MIGRATIONS = [
  `CREATE TABLE audit_shipped (
     through_id INTEGER PRIMARY KEY, hash TEXT NOT NULL, transfer TEXT NOT NULL, queued_at INTEGER NOT NULL, delivered_at INTEGER);
   CREATE INDEX audit_shipped_transfer ON audit_shipped (transfer)`,
];

type Mark = { through_id: number; hash: string };

export class AuditShipping {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: AuditShippingDeps) {
    migrate(d.db, 'audit-shipping', MIGRATIONS);
    // The hub holds a batch once the relay says it was delivered: only then may retention remove its entries.
    d.relay.on('delivered', (_peer, transfer) => {
      d.db.prepare('UPDATE audit_shipped SET delivered_at = ? WHERE transfer = ? AND delivered_at IS NULL').run(d.clock.now(), transfer);
    });
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.d.options.shipEveryMinutes * 60_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Queues every chained entry not yet queued; returns how many entries left in this call. */
  ship(): number {
    let sent = 0;
    for (;;) {
      const n = this.d.db.transaction(() => this.shipOne()).immediate();
      if (!n) return sent;
      sent += n;
    }
  }

  /** The last entry queued for the hub, and the last the hub has confirmed. */
  progress(): { queuedThrough: number; deliveredThrough: number } {
    const q = this.d.db.prepare('SELECT COALESCE(MAX(through_id), 0) FROM audit_shipped').pluck().get() as number;
    const dl = this.d.db.prepare('SELECT COALESCE(MAX(through_id), 0) FROM audit_shipped WHERE delivered_at IS NOT NULL').pluck().get() as number;
    return { queuedThrough: q, deliveredThrough: dl };
  }

  /** Removes entries past retention that the hub holds. */
  prune(): number {
    const before = this.d.clock.now() - this.d.options.retentionDays * 86_400_000;
    return this.d.audit.prune(before, this.progress().deliveredThrough);
  }

  private tick(): void {
    try {
      const sent = this.ship();
      const pruned = this.prune();
      if (sent || pruned) this.d.logger.info({ sent, pruned }, 'access log queued for the hub');
    } catch (err) {
      // A full disk or a locked database: the entries stay and go at the next tick.
      this.d.logger.error({ err }, 'access log not queued for the hub');
    }
  }

  private shipOne(): number {
    const last = this.d.db.prepare('SELECT through_id, hash FROM audit_shipped ORDER BY through_id DESC LIMIT 1').get() as Mark | undefined;
    // Entries from before the log was chained cannot be checked at the hub: the run starts at the first chained one.
    const rows = this.d.audit.chained(last?.through_id ?? 0, MAX_BATCH_ENTRIES).filter((r): r is ShippedEntry => r.hash !== null);
    const entries = consecutive(rows);
    if (!entries.length) return 0;
    const batch: AuditBatch = { format: 1, prev: last?.hash ?? GENESIS, entries };
    const end = entries.at(-1)!;
    const bundle = buildBundle({
      kind: 'audit-log', id: auditBatchId(this.d.postId, batch), origin: this.d.postId,
      // From the entries, not the clock: the same run always makes the same bytes.
      createdAt: new Date(end.at).toISOString(), priority: 'bulk', body: batch, attachments: [],
    }, { maxBytes: this.d.maxBundleBytes });
    const row = this.d.relay.enqueue({ peer: this.d.peer, kind: TransferKind.auditLog, priority: Priority.bulk, bytes: bundle.bytes });
    this.d.db.prepare('INSERT INTO audit_shipped (through_id, hash, transfer, queued_at) VALUES (?, ?, ?, ?)').run(end.id, end.hash, row.id, this.d.clock.now());
    return entries.length;
  }
}

/** The leading run of consecutive ids: a gap (an entry removed by hand) ends a batch, and the hub sees it as one. */
function consecutive(rows: ShippedEntry[]): ShippedEntry[] {
  let n = 1;
  while (n < rows.length && rows[n]!.id === rows[n - 1]!.id + 1) n++;
  return rows.slice(0, rows.length ? n : 0);
}
