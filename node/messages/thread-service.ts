/**
 * The post's side of a case's conversation: counter-references arriving from
 * the hub (checked: a message for a case this post never sent is refused as
 * forged), reading them (a read receipt goes back up), and the nurse's reply,
 * which travels up through the same outbox as cases.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError, fromStoreError } from '../../lib/errors.js';
import type { Db } from '../../lib/sqlite.js';
import type { Nurse } from '../auth/nurse.js';
import { buildBundle } from '../../protocol/bundle.js';
import { checkCounterReference, checkHubNotice, type CaseReadReceipt, type CaseReply, type CounterReference } from '../../protocol/case-messages.js';
import { Priority, TransferKind, type PriorityName } from '../../protocol/priority.js';
import type { Relay } from '../../relay/relay.js';
import { HUB_PEER } from '../cases/case-service.js';
import type { PostCaseStore } from '../cases/case-store.js';
import type { PostThreadMessage, ThreadStore } from './thread-store.js';

export const MAX_REPLY_CHARS = 5000;

export class ThreadService {
  constructor(private readonly d: { db: Db; threads: ThreadStore; cases: PostCaseStore; relay: Relay; clock: Clock; postId: string; maxBundleBytes: number }) {}

  inbox(limit?: number): PostThreadMessage[] {
    return this.d.threads.inbox(limit);
  }

  get(id: string): PostThreadMessage | undefined {
    return this.d.threads.get(id);
  }

  byCase(caseId: string): PostThreadMessage[] {
    return this.d.threads.byCase(caseId);
  }

  unreadCount(): number {
    return this.d.threads.unreadCount();
  }

  isAnswered(caseId: string): boolean {
    return this.d.threads.isAnswered(caseId);
  }

  /** Called inside the relay's completion transaction for a counter-reference bundle. */
  receive(messageId: string, body: unknown, at: string): CounterReference {
    const cr = checkCounterReference(body);
    if (!this.d.cases.get(cr.caseId)) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `a counter-reference for case ${cr.caseId}, which this post never sent`);
    }
    this.d.threads.add({ id: messageId, caseId: cr.caseId, direction: 'down', type: cr.type, body: cr as unknown as Record<string, unknown>, at });
    return cr;
  }

  /** The hub says a specialist opened the case; kept once, for the case's status ("seen by specialist"). */
  seen(messageId: string, body: unknown): void {
    const n = checkHubNotice(body);
    if (!this.d.cases.get(n.caseId)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `a notice for case ${n.caseId}, which this post never sent`);
    this.d.threads.add({ id: messageId, caseId: n.caseId, direction: 'down', type: 'seen', body: n as unknown as Record<string, unknown>, at: n.seenAt });
  }

  /** Marks a message read by this nurse; the first reading sends the specialist a receipt. */
  read(id: string, nurse: Nurse): PostThreadMessage {
    const m = this.require(id);
    if (m.direction !== 'down' || m.readAt) return m;
    const at = this.now();
    this.tx(() => {
      if (!this.d.threads.markRead(id, at, nurse.username)) return;
      const receipt: CaseReadReceipt = { type: 'read', caseId: m.caseId, messageId: id, readAt: at, reader: nurse.displayName };
      // A receipt is bookkeeping: it must never hold up a case or an answer on a thin link.
      this.enqueue(randomUUID(), receipt, 'bulk');
    });
    return this.require(id);
  }

  reply(id: string, text: string, nurse: Nurse): PostThreadMessage {
    const m = this.require(id);
    const trimmed = text.trim();
    if (!trimmed) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the reply is empty');
    if (trimmed.length > MAX_REPLY_CHARS) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the reply is longer than ${MAX_REPLY_CHARS} characters`);
    const replyId = randomUUID();
    const body: CaseReply = {
      type: 'reply', caseId: m.caseId, inReplyTo: id, text: trimmed,
      author: { name: nurse.displayName, username: nurse.username }, sentAt: this.now(),
    };
    this.tx(() => {
      this.enqueue(replyId, body, this.d.cases.get(m.caseId)?.priority === 'urgent' ? 'urgent' : 'routine');
      this.d.threads.add({ id: replyId, caseId: m.caseId, direction: 'up', type: 'reply', body: body as unknown as Record<string, unknown>, at: body.sentAt });
    });
    return this.require(replyId);
  }

  private enqueue(id: string, body: CaseReply | CaseReadReceipt, priority: PriorityName): void {
    const bundle = buildBundle(
      { kind: 'notice', id, origin: this.d.postId, createdAt: this.now(), priority, body, attachments: [] },
      { maxBytes: this.d.maxBundleBytes },
    );
    this.d.relay.enqueue({ peer: HUB_PEER, kind: TransferKind.notice, priority: Priority[priority], bytes: bundle.bytes });
  }

  private require(id: string): PostThreadMessage {
    const m = this.d.threads.get(id);
    if (!m) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `message ${id}`);
    return m;
  }

  private tx(fn: () => void): void {
    try {
      this.d.db.transaction(fn)();
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  private now(): string {
    return new Date(this.d.clock.now()).toISOString();
  }
}
