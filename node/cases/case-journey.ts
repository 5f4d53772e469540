/**
 * A case's journey as a nurse says it: draft → waiting for the link →
 * sending 42 % → delivered → seen by the specialist → answered (or refused
 * by the hub). The first four come from the outbox (case-status.ts); the
 * last two only the hub knows, so they come through a FollowUp, a hook the
 * hub's messages fill in later (issue 5): until then it answers nothing and
 * a case stops at "delivered".
 */
import type { Clock } from '../../lib/clock.js';
import type { Relay } from '../../relay/relay.js';
import { HUB_PEER, type CaseService, type CaseView } from './case-service.js';

export type JourneyState = 'draft' | 'waiting' | 'sending' | 'delivered' | 'seen' | 'answered' | 'refused' | 'unknown';

/** What the hub has told the post about a case after delivery. */
export interface CaseFollowUp {
  seenAt?: string;
  answeredAt?: string;
  /** Where the nurse reads the answer (a page of the inbox). */
  answerHref?: string;
}

export type FollowUpSource = (caseId: string) => CaseFollowUp | undefined;
export const noFollowUp: FollowUpSource = () => undefined;

export interface Journey {
  state: JourneyState;
  percent: number;
  bytesSent: number;
  bytesTotal: number;
  /** From the recent acknowledgement rate; null when nothing is moving (or not sending). */
  secondsLeft: number | null;
  answerHref: string | null;
}

/** How many chunks per second the hub has acknowledged lately, per transfer, learnt from the relay's 'progress' events. */
export class SendRate {
  private readonly samples = new Map<string, Array<{ t: number; acked: number }>>();

  constructor(private readonly clock: Clock, private readonly spanMs = 30_000) {}

  /** Wire to `relay.on('progress', (peer, id, acked) => rate.observe(id, acked))`. */
  observe(id: string, ackedChunks: number): void {
    const now = this.clock.now();
    const list = this.samples.get(id) ?? [];
    list.push({ t: now, acked: ackedChunks });
    while (list.length > 2 && now - list[0]!.t > this.spanMs) list.shift();
    this.samples.set(id, list);
  }

  forget(id: string): void {
    this.samples.delete(id);
  }

  chunksPerSecond(id: string): number | undefined {
    const list = this.samples.get(id);
    if (!list || list.length < 2) return undefined;
    const a = list[0]!;
    const b = list[list.length - 1]!;
    // A link silent for longer than the span has no current rate.
    if (b.t <= a.t || this.clock.now() - b.t > this.spanMs) return undefined;
    return ((b.acked - a.acked) * 1000) / (b.t - a.t);
  }
}

export type OutboxShape = { totalSize: number; chunkSize: number; ackedChunks: number; totalChunks: number };

export function journeyOf(view: CaseView | undefined, shape: OutboxShape | undefined, followUp: CaseFollowUp | undefined, chunksPerS: number | undefined): Journey {
  if (!view) return { state: 'draft', percent: 0, bytesSent: 0, bytesTotal: 0, secondsLeft: null, answerHref: null };
  const total = shape?.totalSize ?? view.bundleSize;
  const sent = shape ? Math.min(total, shape.ackedChunks * shape.chunkSize) : 0;
  const base = { percent: view.status.percent, bytesSent: sent, bytesTotal: total, secondsLeft: null, answerHref: null };
  switch (view.status.state) {
    case 'waiting':
      return { ...base, state: 'waiting' };
    case 'sending': {
      const left = shape && chunksPerS && chunksPerS > 0 ? Math.ceil((shape.totalChunks - shape.ackedChunks) / chunksPerS) : null;
      return { ...base, state: 'sending', secondsLeft: left };
    }
    case 'rejected':
      return { ...base, state: 'refused' };
    case 'unknown':
      return { ...base, state: 'unknown' };
    case 'delivered': {
      const done = { ...base, bytesSent: total };
      if (followUp?.answeredAt) return { ...done, state: 'answered', answerHref: followUp.answerHref ?? null };
      return { ...done, state: followUp?.seenAt ? 'seen' : 'delivered' };
    }
  }
}

export interface JourneyDeps {
  cases: Pick<CaseService, 'get' | 'list'>;
  relay: Pick<Relay, 'outbox' | 'progress'>;
  rate?: SendRate;
  followUp?: FollowUpSource;
}

/** The journey of a case id: a draft until the case service knows it. */
export function journeyFor(d: JourneyDeps, caseId: string): Journey {
  const view = d.cases.get(caseId);
  if (!view) return journeyOf(undefined, undefined, undefined, undefined);
  const row = d.relay.outbox.get(HUB_PEER, view.bundleId);
  const live = d.relay.progress(HUB_PEER, view.bundleId);
  const shape = row && {
    totalSize: row.totalSize, chunkSize: row.chunkSize,
    ackedChunks: live?.acked ?? row.acked.count, totalChunks: live?.total ?? row.acked.size,
  };
  return journeyOf(view, shape, (d.followUp ?? noFollowUp)(caseId), d.rate?.chunksPerSecond(view.bundleId));
}
