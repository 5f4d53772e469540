/**
 * Routing on a running hub: a case with an ECG from a real post is routed to
 * cardiology and assigned to the cardiologist on duty; nobody opens it, so on
 * a shortened clock it escalates to the next cardiologist, then to the
 * cardiology on-call, then to the region's on-call; opening it stops the
 * clock and tells the post it was seen; the answer closes it.
 */
import t from 'tap';
import { encodeEcg } from '../../protocol/ecg-codec.js';
import { tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = {
  specialists: [
    { id: 'cardio-1', name: 'Dra. Quispe', specialties: ['cardiology'], hours: ALWAYS },
    { id: 'cardio-2', name: 'Dr. Mamani', specialties: ['cardiology'], hours: ALWAYS },
    { id: 'cardio-guardia', name: 'Dr. Rojas', specialties: ['cardiology'], hours: [] },
    { id: 'region-guardia', name: 'Dra. Flores', specialties: ['internalMedicine'], hours: [] },
    { id: 'derma-1', name: 'Dr. Vargas', specialties: ['dermatology'], hours: ALWAYS },
  ],
  onCall: { cardiology: ['cardio-guardia'] },
  regionOnCall: ['region-guardia'],
  // 0.6 s to be opened: the whole escalation ladder runs in a few seconds.
  sla: { urgentMinutes: 0.01, routineMinutes: 60 },
};

const ecg = {
  name: 'ecg.cqe', mediaType: 'application/vnd.chasqui.ecg',
  bytes: Buffer.from(encodeEcg({ samplingFrequency: 250, leads: [{ name: 'II', unitsPerMv: 1000, baseline: 0, samples: Int32Array.from({ length: 2500 }, (_, i) => (i % 250 < 5 ? 1200 : 0)) }] })),
};

t.test('an ECG case goes to cardiology, escalates unopened, stops when opened and answered', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta', hub: { config: { routing: ROUTING, slaTickMs: 100 } } });
  post.cases.submit({ caseId: 'u1', priority: 'urgent', body: { reason: 'dolor torácico', specialty: null }, attachments: [ecg] });
  const routed = await waitFor(() => hub.router.store.get('posta', 'u1'), { what: 'case routed' });
  t.equal(routed.specialty, 'cardiology');
  t.match(routed.rule, /ecg/i);
  t.ok(['cardio-1', 'cardio-2'].includes(routed.assignee ?? ''), `assigned to a cardiologist on duty (${routed.assignee})`);
  t.same(hub.router.queue('derma-1'), [], 'a dermatologist does not see it');

  await waitFor(() => hub.router.store.escalations('posta', 'u1').length >= 3, { what: 'the escalation ladder', timeoutMs: 15_000 });
  const ladder = hub.router.store.escalations('posta', 'u1').map((e) => e.to);
  t.same(ladder.slice(0, 3), [routed.assignee === 'cardio-1' ? 'cardio-2' : 'cardio-1', 'cardio-guardia', 'region-guardia']);

  hub.router.open('posta', 'u1', 'region-guardia', new Date());
  t.equal(hub.markSeen('posta', 'u1', 'cardiology'), true);
  const escalations = hub.router.store.escalations('posta', 'u1').length;
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(hub.router.store.escalations('posta', 'u1').length, escalations, 'opened: the clock stopped');
  await waitFor(() => post.threads.byCase('u1').some((m) => m.type === 'seen'), { what: 'seen at the post' });

  hub.sendCounterReference('posta', 'u1', { type: 'answer', author: { name: 'Dra. Flores', specialty: 'internalMedicine' }, assessment: 'Estable.' });
  t.ok(hub.router.store.get('posta', 'u1')?.answeredAt, 'answered');
});

t.test('the nurse\'s explicit choice wins over the rules; photos of the skin go to dermatology', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'postb', hub: { config: { routing: ROUTING } } });
  const jpeg = { name: 'lesion.jpg', mediaType: 'image/jpeg', bytes: Buffer.alloc(2000, 7) };
  post.cases.submit({ caseId: 'p1', priority: 'routine', body: { reason: 'Lesión en la piel del brazo' }, attachments: [jpeg] });
  post.cases.submit({ caseId: 'p2', priority: 'routine', body: { reason: 'Lesión en la piel', specialty: 'internalMedicine' }, attachments: [jpeg] });
  await waitFor(() => hub.router.store.get('postb', 'p1') && hub.router.store.get('postb', 'p2'), { what: 'both routed' });
  t.equal(hub.router.store.get('postb', 'p1')?.specialty, 'dermatology');
  t.equal(hub.router.store.get('postb', 'p2')?.specialty, 'internalMedicine');
  t.same(hub.router.queue('derma-1').map((q) => q.caseId), ['p1']);
});
