/**
 * Sending a specialist's answer or question down to the post that sent the
 * case. It is checked here, recorded in the case's thread and queued in the
 * same transaction, so the thread never shows a message that is not on its
 * way, nor sends one it does not show.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import type { Db } from '../../lib/sqlite.js';
import { checkCounterReference, type CounterReference } from '../../protocol/case-messages.js';
import type { DownwardMessage } from '../hub.js';
import type { Cie10 } from '../terminology/cie10.js';
import { resolveDiagnoses } from '../terminology/diagnoses.js';
import type { HubCaseStore } from './case-store.js';
import type { CaseThreads } from './case-threads.js';

export type CounterReferenceInput = Omit<CounterReference, 'caseId' | 'sentAt'>;

export function counterReferenceSender(d: {
  db: Db;
  cases: HubCaseStore;
  threads: CaseThreads;
  clock: Clock;
  /** Every diagnosis is checked against it and carries its description. */
  cie10: Cie10;
  sendToPost: (postId: string, msg: DownwardMessage) => { id: string };
  /** Stops the case's service-level clock; in the same transaction as the send. */
  onAnswered?: (postId: string, caseId: string, at: Date) => void;
}) {
  /**
   * formKey: the key of the form that sent it. A second send with the same key
   * (a reload, a double tap, a browser resending the POST) returns the first
   * message and sends nothing; the key is unique in SQLite, checked in the
   * same transaction as the send.
   */
  return (postId: string, caseId: string, input: CounterReferenceInput, o: { formKey?: string } = {}): { id: string; bundleId: string; repeated: boolean } => {
    const c = d.cases.find(postId, caseId);
    if (!c) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${caseId} of post ${postId}`);
    const sentAt = new Date(d.clock.now()).toISOString();
    const diagnoses = input.diagnoses && resolveDiagnoses(d.cie10, input.diagnoses);
    const body = checkCounterReference({ ...input, ...(diagnoses ? { diagnoses } : {}), caseId, sentAt });
    const id = randomUUID();
    // The answer to an urgent case is urgent too: it overtakes routine traffic down the link.
    const priority = c.priority === 'urgent' ? 'urgent' : 'routine';
    return d.db.transaction(() => {
      const earlier = o.formKey ? d.threads.byFormKey(o.formKey) : undefined;
      if (earlier) {
        if (earlier.postId !== postId || earlier.caseId !== caseId) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'this form was already used for another case');
        return { id: earlier.id, bundleId: '', repeated: true };
      }
      const { id: bundleId } = d.sendToPost(postId, { kind: 'counterReference', id, priority, body });
      d.threads.add({ id, postId, caseId, direction: 'down', type: body.type, body, at: sentAt, bundleId, ...(o.formKey ? { formKey: o.formKey } : {}) });
      if (body.type === 'answer') d.onAnswered?.(postId, caseId, new Date(sentAt));
      return { id, bundleId, repeated: false };
    })();
  };
}
