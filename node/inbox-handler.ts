/**
 * What the post accepts from the hub: counter-references (into the case's
 * thread, checked) and notices (checked: protocol/hub-notices.ts). Runs inside the relay's completion
 * transaction, so a message is kept exactly when it is acknowledged.
 */
import type { Clock } from '../lib/clock.js';
import { ChasquiError } from '../lib/errors.js';
import { parseBundle } from '../protocol/bundle.js';
import { checkHubNotice } from '../protocol/hub-notices.js';
import { TransferKind, kindName } from '../protocol/priority.js';
import type { PostCaseStore } from './cases/case-store.js';

export function acceptsFromHub(kind: number): boolean {
  return kind === TransferKind.counterReference || kind === TransferKind.notice;
}

/** Where the thread's messages go: counter-references, and the notice that a specialist opened the case. */
export interface ThreadSink {
  counterReference(messageId: string, body: unknown, at: string): void;
  seen(messageId: string, body: unknown): void;
}

export function acceptFromHub(store: PostCaseStore, thread: ThreadSink, limits: { maxRawBytes: number; maxAgeMs: number }, clock: Clock) {
  return (_peer: string, kind: number, bytes: Buffer, id: string): string => {
    const { manifest, attachments } = parseBundle(bytes, { maxRawBytes: limits.maxRawBytes });
    if (manifest.origin !== 'hub') throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `origin ${manifest.origin} is not the hub`);
    checkFresh(manifest.createdAt, clock.now(), limits.maxAgeMs);
    for (const a of attachments) store.blobs.put(a.bytes, a.entry.sha256);
    if (kind === TransferKind.counterReference) {
      thread.counterReference(manifest.id, manifest.body, manifest.createdAt);
      return `post:${manifest.id}`;
    }
    // Only the notices the hub may send, exactly (protocol/hub-notices.ts): a forged type or a free-text
    // "notice" throws CHASQUI_ERR_NOTICE_INVALID, and the relay refuses the bundle, logs it and stores nothing.
    const notice = checkHubNotice(manifest.body);
    if (notice.type === 'seen') {
      thread.seen(manifest.id, notice);
      return `post:${manifest.id}`;
    }
    store.saveMessage(id, kindName(kind) ?? String(kind), manifest.id, notice, new Date(clock.now()).toISOString());
    return `post:${manifest.id}`;
  };
}

/**
 * A replay of the same bytes is already a no-op (the inbox answers it from
 * its row, the thread keeps a message id once); this bounds the rest: a
 * message the hub signed long ago is not shown as news. Only the past is
 * bounded, because a post without a real-time clock may run behind the hub.
 */
function checkFresh(createdAt: string, now: number, maxAgeMs: number): void {
  const at = Date.parse(createdAt);
  if (!Number.isFinite(at)) throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `createdAt ${createdAt} is not a time`);
  if (now - at > maxAgeMs) throw new ChasquiError('CHASQUI_ERR_STALE', `signed ${createdAt}, more than ${Math.round(maxAgeMs / 86_400_000)} days ago`);
}
