/**
 * Submitting a case: it becomes an immutable bundle and enters the outbox in
 * the same transaction as the post's own record, so after a power cut it is
 * either fully queued or was never acknowledged to the nurse. Submitting the
 * same case id again returns the case already queued: a retried request
 * never makes a second case.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError, fromStoreError } from '../../lib/errors.js';
import type { Db } from '../../lib/sqlite.js';
import { buildBundle, type AttachmentInput } from '../../protocol/bundle.js';
import { Priority, TransferKind } from '../../protocol/priority.js';
import type { Relay } from '../../relay/relay.js';
import type { CaseRecord, PostCaseStore } from './case-store.js';
import { caseStatus, type CaseStatus } from './case-status.js';

export const HUB_PEER = 'hub';

export type CaseInput = {
  caseId?: string;
  priority: 'urgent' | 'routine';
  body: Record<string, unknown>;
  attachments: AttachmentInput[];
};

export type CaseView = CaseRecord & { status: CaseStatus };

export class CaseService {
  constructor(
    private readonly d: { db: Db; store: PostCaseStore; relay: Relay; clock: Clock; postId: string; maxBundleBytes: number },
  ) {}

  submit(input: CaseInput): { view: CaseView; created: boolean } {
    const caseId = input.caseId ?? randomUUID();
    const existing = this.d.store.get(caseId);
    if (existing) return { view: this.view(existing), created: false };
    checkAttachmentNames(input.attachments);
    const createdAt = new Date(this.d.clock.now()).toISOString();
    const bundle = buildBundle(
      { kind: 'case', id: caseId, origin: this.d.postId, createdAt, priority: input.priority, body: input.body, attachments: input.attachments },
      { maxBytes: this.d.maxBundleBytes },
    );
    let record: CaseRecord;
    try {
      record = this.d.db.transaction(() => {
        // Sealed to the hub on the way in: the transfer id and size are the sealed bundle's.
        const queued = this.d.relay.enqueue({ peer: HUB_PEER, kind: TransferKind.case, priority: Priority[input.priority], bytes: bundle.bytes });
        const rec: CaseRecord = {
          caseId, createdAt, priority: input.priority, body: input.body, bundleId: queued.id,
          bundleSize: queued.totalSize, rawSize: bundle.rawSize,
          attachments: bundle.manifest.attachments.map(({ name, mediaType, sha256, size }) => ({ name, mediaType, sha256, size })),
        };
        this.d.store.insert(rec, input.attachments.map((a) => a.bytes));
        return rec;
      })();
    } catch (err) {
      throw fromStoreError(err);
    }
    return { view: this.view(record), created: true };
  }

  get(caseId: string): CaseView | undefined {
    const rec = this.d.store.get(caseId);
    return rec && this.view(rec);
  }

  list(limit?: number): CaseView[] {
    return this.d.store.list(limit).map((r) => this.view(r));
  }

  private view(rec: CaseRecord): CaseView {
    const row = this.d.relay.outbox.get(HUB_PEER, rec.bundleId);
    return { ...rec, status: caseStatus(row, this.d.relay.progress(HUB_PEER, rec.bundleId)) };
  }
}

function checkAttachmentNames(attachments: AttachmentInput[]): void {
  const seen = new Set<string>();
  for (const a of attachments) {
    if (!a.name || seen.has(a.name)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `attachment names must be unique and non-empty (${a.name})`);
    seen.add(a.name);
  }
}
