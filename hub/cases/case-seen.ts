/**
 * The first time a specialist opens a case, the post is told it was seen —
 * a nurse waiting days for an answer knows the case is in a doctor's hands.
 * Sent once per case, recorded in the thread in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/sqlite.js';
import type { CaseSeenNotice } from '../../protocol/case-messages.js';
import type { DownwardMessage } from '../hub.js';
import type { CaseThreads } from './case-threads.js';

export function caseSeenSender(d: { db: Db; threads: CaseThreads; clock: Clock; sendToPost: (postId: string, msg: DownwardMessage) => { id: string } }) {
  return (postId: string, caseId: string, specialty: string): boolean =>
    d.db.transaction(() => {
      if (d.threads.thread(postId, caseId).some((m) => m.type === 'seen')) return false;
      const id = randomUUID();
      const body: CaseSeenNotice = { type: 'seen', caseId, seenAt: new Date(d.clock.now()).toISOString(), specialty };
      // Status, not clinical content: it must never hold up an answer on a thin link.
      const { id: bundleId } = d.sendToPost(postId, { kind: 'notice', id, priority: 'routine', body });
      d.threads.add({ id, postId, caseId, direction: 'down', type: 'seen', body, at: body.seenAt, bundleId });
      return true;
    })();
}
