/**
 * A case's conversation end to end on a real hub and post: the specialist's
 * question goes down, the nurse reads it (a receipt goes up) and replies in
 * the same thread; the answer follows. A counter-reference for a case the
 * post never sent is refused; a replayed one is kept once.
 */
import t from 'tap';
import type { Nurse } from '../../node/auth/nurse.js';
import { tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const NURSE: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Huamán', role: 'nurse' };
const AUTHOR = { name: 'Dra. Carmen Quispe', specialty: 'cardiology' };

t.test('question, read receipt, reply and answer travel in one thread', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta' });
  post.cases.submit({ caseId: 'k1', priority: 'urgent', body: { reason: 'palpitaciones' }, attachments: [] });
  await waitFor(() => hub.cases.find('posta', 'k1'), { what: 'case at hub' });

  t.equal(hub.markSeen('posta', 'k1', 'cardiology'), true);
  t.equal(hub.markSeen('posta', 'k1', 'cardiology'), false, 'told once');
  const seen = await waitFor(() => post.threads.byCase('k1').find((m) => m.type === 'seen'), { what: 'seen at the post' });
  t.equal(seen.body.specialty, 'cardiology');
  t.equal(post.threads.inbox().length, 0, 'a status notice is not a message in the inbox');

  const q = hub.sendCounterReference('posta', 'k1', { type: 'question', author: AUTHOR, question: '¿Tiene dolor torácico ahora?' });
  const atPost = await waitFor(() => post.threads.inbox().find((m) => m.id === q.id), { what: 'question at the post' });
  t.equal(atPost.type, 'question');
  t.equal(atPost.body.question, '¿Tiene dolor torácico ahora?');
  const atHub = () => hub.threads.thread('posta', 'k1').find((m) => m.id === q.id);
  await waitFor(() => atHub()?.deliveredAt, { what: 'delivery receipt at hub' });

  post.threads.read(q.id, NURSE);
  post.threads.read(q.id, { ...NURSE, username: 'otra' }); // a second reader sends no second receipt
  await waitFor(() => atHub()?.readAt, { what: 'read receipt at hub' });
  t.equal(atHub()?.readBy, 'Rosa Huamán');

  const r = post.threads.reply(q.id, '  No, pero tuvo dolor hace 2 horas.  ', NURSE);
  const up = await waitFor(() => hub.threads.thread('posta', 'k1').find((m) => m.id === r.id), { what: 'reply at hub' });
  t.match(up, { direction: 'up', type: 'reply', body: { inReplyTo: q.id, text: 'No, pero tuvo dolor hace 2 horas.', author: { username: 'rosa' } } });

  const a = hub.sendCounterReference('posta', 'k1', {
    type: 'answer', author: AUTHOR, assessment: 'Probable fibrilación auricular.',
    diagnoses: [{ code: 'I48.9', text: 'Fibrilación auricular, no especificada' }],
    treatment: 'Referir para anticoagulación.', referral: { needed: true, where: 'Hospital Regional de Pucallpa', urgency: 'urgent' },
    followUp: '2026-12-01',
  });
  const answer = await waitFor(() => post.threads.get(a.id), { what: 'answer at the post' });
  t.same(answer.body.diagnoses, [{ code: 'I489', description: 'Fibrilación y aleteo auricular, no especificado' }], 'the code in HIS form with the classification\'s words; the typed ones dropped');
  t.same(post.threads.byCase('k1').map((m) => [m.direction, m.type]), [['down', 'seen'], ['down', 'question'], ['up', 'reply'], ['down', 'answer']]);
  t.equal(post.threads.unreadCount(), 1);

  t.throws(() => hub.sendCounterReference('posta', 'k1', { type: 'answer', author: AUTHOR, assessment: 'x', diagnoses: [{ code: 'dolor', text: 'x' }] }), /ICD-10/);
  t.throws(() => hub.sendCounterReference('posta', 'k1', { type: 'answer', author: AUTHOR, assessment: 'x', diagnoses: [{ code: 'I1O', text: 'letter O' }] }), /"I1O" is not a code of the ICD-10/, 'a well-shaped code the classification lacks');
  t.throws(() => hub.sendCounterReference('posta', 'nope', { type: 'question', author: AUTHOR, question: '?' }), /CHASQUI_ERR_NOT_FOUND|No such/);
  t.throws(() => post.threads.reply(q.id, '   ', NURSE), /empty/);
});

t.test('a counter-reference for a case the post never sent is refused; a replay is kept once', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'postb' });
  const rejected: string[] = [];
  hub.relay.on('rejected', (_peer: string, _id: string, code: string) => rejected.push(code));
  const body = { type: 'answer', caseId: 'never-sent', author: AUTHOR, sentAt: new Date().toISOString(), assessment: 'forged' };
  hub.sendToPost('postb', { kind: 'counterReference', id: 'forged-1', body });
  await waitFor(() => rejected.length > 0, { what: 'the post to refuse the forged counter-reference' });
  t.same(rejected, ['CHASQUI_ERR_BAD_REQUEST']);
  t.equal(post.threads.inbox().length, 0);

  post.cases.submit({ caseId: 'k2', priority: 'routine', body: { reason: 'tos' }, attachments: [] });
  await waitFor(() => hub.cases.find('postb', 'k2'), { what: 'case at hub' });
  const real = { type: 'question', caseId: 'k2', author: AUTHOR, sentAt: new Date().toISOString(), question: '¿Fiebre?' };
  hub.sendToPost('postb', { kind: 'counterReference', id: 'm-1', body: real });
  // Same message id in a second bundle (another createdAt makes other bytes): a replay.
  await new Promise((r) => setTimeout(r, 5));
  hub.sendToPost('postb', { kind: 'counterReference', id: 'm-1', body: real });
  await waitFor(() => hub.relay.outbox.queued().length === 0, { what: 'both bundles settled' });
  t.equal(post.threads.inbox().length, 1, 'shown once');
});

t.test('a counter-reference the hub signed long ago is refused as stale, not shown as news', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  // The hub's clock 100 days behind the post's: everything it signs looks 100 days old there.
  const { hub, post } = await startPair(t, { dir, postId: 'postc', hub: { clock: { now: () => Date.now() - 100 * 86_400_000 } } });
  const rejected: string[] = [];
  hub.relay.on('rejected', (_peer: string, _id: string, code: string) => rejected.push(code));
  post.cases.submit({ caseId: 'k3', priority: 'routine', body: { reason: 'tos' }, attachments: [] });
  await waitFor(() => hub.cases.find('postc', 'k3'), { what: 'case at hub' });
  hub.sendCounterReference('postc', 'k3', { type: 'question', author: AUTHOR, question: '¿Fiebre?' });
  await waitFor(() => rejected.length > 0, { what: 'the post to refuse it' });
  t.same(rejected, ['CHASQUI_ERR_STALE']);
  t.equal(post.threads.inbox().length, 0, 'the nurse does not see it');
});
