/** A post's access-log batch arriving through the relay: checked, then kept beside the others (post-audit-store.ts). */
import { ChasquiError } from '../../lib/errors.js';
import { parseAuditBatch } from '../../protocol/audit-batch.js';
import { parseBundle } from '../../protocol/bundle.js';
import type { PostAuditStore } from './post-audit-store.js';

export function ingestAuditBatch(store: PostAuditStore, opts: { maxRawBytes: number }) {
  return (postId: string, _kind: number, bytes: Buffer): string => {
    const { manifest } = parseBundle(bytes, { maxRawBytes: opts.maxRawBytes });
    if (manifest.kind !== 'audit-log') throw new ChasquiError('CHASQUI_ERR_UNKNOWN_KIND', `bundle kind ${manifest.kind}`);
    // Signed by the post: a batch naming another post is forged or misconfigured, and must not land in that post's log.
    if (manifest.origin !== postId) throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `audit batch says it comes from ${manifest.origin}, but ${postId} sent it`);
    const batch = parseAuditBatch(manifest.body);
    store.add(postId, batch);
    return `hub-audit-${postId}-${batch.entries.at(-1)!.id}`;
  };
}
