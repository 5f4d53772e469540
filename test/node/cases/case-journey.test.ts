/** The journey in words from outbox facts, and the send rate behind "about N min left". */
import t from 'tap';
import { journeyOf, SendRate } from '../../../node/cases/case-journey.js';
import type { CaseView } from '../../../node/cases/case-service.js';

const view = (status: CaseView['status']): CaseView => ({
  caseId: 'c', createdAt: '2026-11-23T10:00:00Z', priority: 'routine', body: {}, bundleId: 'b', bundleSize: 5000, rawSize: 5000, attachments: [], status,
});
const shape = { totalSize: 5000, chunkSize: 1000, ackedChunks: 2, totalChunks: 5 };

t.test('states a nurse understands', async (t) => {
  t.match(journeyOf(undefined, undefined, undefined, undefined), { state: 'draft', percent: 0 });
  t.match(journeyOf(view({ state: 'waiting', percent: 0 }), { ...shape, ackedChunks: 0 }, undefined, undefined), { state: 'waiting', bytesSent: 0, bytesTotal: 5000 });
  t.match(journeyOf(view({ state: 'sending', percent: 40 }), shape, undefined, 0.5), { state: 'sending', percent: 40, bytesSent: 2000, secondsLeft: 6 });
  t.match(journeyOf(view({ state: 'sending', percent: 40 }), shape, undefined, undefined), { secondsLeft: null }, 'no rate yet: no guess');
  t.match(journeyOf(view({ state: 'sending', percent: 40 }), shape, undefined, 0), { secondsLeft: null }, 'a stalled link: no guess');
  const delivered = view({ state: 'delivered', percent: 100, deliveredAt: '', receipt: 'r' });
  t.match(journeyOf(delivered, shape, undefined, undefined), { state: 'delivered', bytesSent: 5000 });
  t.match(journeyOf(delivered, shape, { seenAt: 'x' }, undefined), { state: 'seen', answerHref: null });
  t.match(journeyOf(delivered, shape, { seenAt: 'x', answeredAt: 'y', answerHref: '/mensajes/1' }, undefined), { state: 'answered', answerHref: '/mensajes/1' });
  t.match(journeyOf(view({ state: 'rejected', percent: 10, code: 'X', reason: 'y' }), shape, undefined, undefined), { state: 'refused' });
  t.match(journeyOf(view({ state: 'sending', percent: 40 }), shape, { answeredAt: 'y' }, 1), { state: 'sending' }, 'an answer never hides a transfer still going');
});

t.test('send rate: recent acknowledgements only', async (t) => {
  let now = 0;
  const rate = new SendRate({ now: () => now }, 30_000);
  t.equal(rate.chunksPerSecond('b'), undefined);
  rate.observe('b', 0);
  t.equal(rate.chunksPerSecond('b'), undefined, 'one sample is not a rate');
  now = 10_000;
  rate.observe('b', 20);
  t.equal(rate.chunksPerSecond('b'), 2);
  now = 50_000;
  rate.observe('b', 40);
  t.equal(rate.chunksPerSecond('b'), 0.5, 'samples older than the span are dropped');
  now = 90_000;
  t.equal(rate.chunksPerSecond('b'), undefined, 'silent longer than the span: no current rate');
  rate.forget('b');
  now = 50_000;
  t.equal(rate.chunksPerSecond('b'), undefined);
});
