/**
 * What the hub does with a bundle that arrived whole: verify it, check that it
 * is a case from the post that sent it, store it once. Runs inside the
 * relay's completion transaction, so "stored" and "acknowledged" are one fact.
 */
import { ChasquiError } from '../../lib/errors.js';
import { parseBundle } from '../../protocol/bundle.js';
import { TransferKind } from '../../protocol/priority.js';
import type { HubCaseStore } from './case-store.js';

export function acceptsFromPost(kind: number): boolean {
  return kind === TransferKind.case;
}

export function ingestCase(store: HubCaseStore, opts: { maxRawBytes: number; now: () => number }) {
  return (postId: string, _kind: number, bytes: Buffer, id: string): string => {
    const { manifest, attachments } = parseBundle(bytes, { expectedId: id, maxRawBytes: opts.maxRawBytes });
    if (manifest.kind !== 'case') throw new ChasquiError('CHASQUI_ERR_UNKNOWN_KIND', `bundle kind ${manifest.kind}`);
    // The broker proved who published; a manifest naming another post is forged or misconfigured.
    if (manifest.origin !== postId) {
      throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `bundle says it comes from ${manifest.origin}, but ${postId} sent it`);
    }
    const existing = store.find(postId, manifest.id);
    if (existing) {
      if (existing.bundleId === id) return receiptFor(existing.seq);
      throw new ChasquiError('CHASQUI_ERR_CASE_CONFLICT', `case ${manifest.id} from ${postId} was already received with other content`);
    }
    const files = attachments.map((a) => ({ bytes: a.bytes, sha256: a.entry.sha256 }));
    return receiptFor(store.insert(postId, id, manifest, files, new Date(opts.now()).toISOString()));
  };
}

function receiptFor(seq: number): string {
  return `hub-case-${seq}`;
}
