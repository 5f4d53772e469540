/**
 * What the hub does with a bundle that arrived whole: verify it, check that it
 * is a case from the post that sent it, store it once. Runs inside the
 * relay's completion transaction, so "stored" and "acknowledged" are one fact.
 */
import { ChasquiError } from '../../lib/errors.js';
import { parseBundle } from '../../protocol/bundle.js';
import { TransferKind } from '../../protocol/priority.js';
import { checkPostNotice } from '../../protocol/case-messages.js';
import type { HubCaseStore } from './case-store.js';
import type { CaseThreads } from './case-threads.js';

export function acceptsFromPost(kind: number): boolean {
  return kind === TransferKind.case || kind === TransferKind.notice;
}

/** Cases, and the notices of a case's thread (the nurse's replies, read receipts). */
export function ingestFromPost(store: HubCaseStore, threads: CaseThreads, opts: IngestOptions) {
  const cases = ingestCase(store, opts);
  return (postId: string, kind: number, bytes: Buffer, id: string): string => {
    if (kind === TransferKind.case) return cases(postId, kind, bytes, id);
    const { manifest } = parseBundle(bytes, { maxRawBytes: opts.maxRawBytes });
    if (manifest.origin !== postId) {
      throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `notice says it comes from ${manifest.origin}, but ${postId} sent it`);
    }
    const notice = checkPostNotice(manifest.body);
    if (!store.find(postId, notice.caseId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${notice.caseId} of ${postId}`);
    if (notice.type === 'read') {
      threads.markRead(postId, notice.messageId, notice.readAt, notice.reader);
    } else {
      threads.add({ id: manifest.id, postId, caseId: notice.caseId, direction: 'up', type: 'reply', body: notice, at: manifest.createdAt, bundleId: id });
    }
    return `hub-notice-${manifest.id}`;
  };
}

export type IngestOptions = {
  maxRawBytes: number;
  now: () => number;
  /** Runs in the same transaction as the insert: a case is never stored without its routing. */
  onStored?: (postId: string, caseId: string) => void;
};

export function ingestCase(store: HubCaseStore, opts: IngestOptions) {
  return (postId: string, _kind: number, bytes: Buffer, id: string): string => {
    const { manifest, attachments } = parseBundle(bytes, { maxRawBytes: opts.maxRawBytes });
    if (manifest.kind !== 'case') throw new ChasquiError('CHASQUI_ERR_UNKNOWN_KIND', `bundle kind ${manifest.kind}`);
    // The post's signature proved who sent it; a manifest naming another post is forged or misconfigured.
    if (manifest.origin !== postId) {
      throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `bundle says it comes from ${manifest.origin}, but ${postId} sent it`);
    }
    const existing = store.find(postId, manifest.id);
    if (existing) {
      if (existing.bundleId === id) return receiptFor(existing.seq);
      throw new ChasquiError('CHASQUI_ERR_CASE_CONFLICT', `case ${manifest.id} from ${postId} was already received with other content`);
    }
    const files = attachments.map((a) => ({ bytes: a.bytes, sha256: a.entry.sha256 }));
    const seq = store.insert(postId, id, manifest, files, new Date(opts.now()).toISOString());
    opts.onStored?.(postId, manifest.id);
    return receiptFor(seq);
  };
}

function receiptFor(seq: number): string {
  return `hub-case-${seq}`;
}
