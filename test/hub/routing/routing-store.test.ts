import t from 'tap';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import { RoutingStore, type Assignment } from '../../../hub/routing/routing-store.js';
import { tempDir } from '../../support/paths.js';

const T0 = Date.parse('2026-11-23T14:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function assignment(caseId: string, over: Partial<Assignment> & { at: number }): Assignment {
  const { at, ...rest } = over;
  return {
    postId: 'post-a', caseId, priority: 'routine', specialty: 'cardiology', status: 'assigned', assignee: null, deadline: at + 60_000,
    tried: [], rule: 'ecg', reason: 'ecg: application/vnd.chasqui.ecg', routedAt: iso(at), assignedAt: iso(at),
    openedAt: null, openedBy: null, answeredAt: null, ...rest,
  };
}

function openStore(t: { teardown(fn: () => void): void }) {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'hub.sqlite');
  const dbs: Array<ReturnType<typeof openDatabase>> = [];
  t.teardown(() => {
    for (const db of dbs) if (db.open) db.close();
    cleanup();
  });
  return () => {
    const db = openDatabase(file);
    dbs.push(db);
    return { db, store: new RoutingStore(db) };
  };
}

t.test('the queue: urgent first, then longest waiting, with waiting time', async (t) => {
  const { store } = openStore(t)();
  store.insert(assignment('r-old', { at: T0 - 3 * 3600_000 }));
  store.insert(assignment('r-new', { at: T0 - 60_000 }));
  store.insert(assignment('u-new', { at: T0 - 120_000, priority: 'urgent' }));
  store.insert(assignment('u-old', { at: T0 - 600_000, priority: 'urgent' }));
  const q = store.queue('ana', ['cardiology'], new Date(T0));
  t.same(q.map((a) => a.caseId), ['u-old', 'u-new', 'r-old', 'r-new']);
  t.same(q.map((a) => a.waitingMs), [600_000, 120_000, 3 * 3600_000, 60_000]);
});

t.test('shared queue vs personal assignment, and filters', async (t) => {
  const { store } = openStore(t)();
  store.insert(assignment('shared-cardio', { at: T0 }));
  store.insert(assignment('shared-derm', { at: T0, specialty: 'dermatology' }));
  store.insert(assignment('ana-own', { at: T0 + 1, assignee: 'ana', tried: ['ana'] }));
  store.insert(assignment('beto-own', { at: T0 + 2, assignee: 'beto', tried: ['beto'] }));
  store.insert(assignment('ana-derm-other-post', { at: T0 + 3, assignee: 'ana', specialty: 'dermatology', postId: 'post-b' }));
  store.insert(assignment('done', { at: T0 + 4, assignee: 'ana', status: 'answered', answeredAt: iso(T0 + 5) }));
  const now = new Date(T0 + 10);
  t.same(store.queue('ana', ['cardiology'], now).map((a) => a.caseId), ['shared-cardio', 'ana-own', 'ana-derm-other-post'],
    'her own cases (any specialty) and her specialty\'s shared queue; not Beto\'s, not answered ones');
  t.same(store.queue('ana', ['cardiology'], now, { postId: 'post-b' }).map((a) => a.caseId), ['ana-derm-other-post']);
  t.same(store.queue('ana', ['cardiology'], now, { specialty: 'cardiology' }).map((a) => a.caseId), ['shared-cardio', 'ana-own']);
  t.same(store.queue('zoe', [], now).map((a) => a.caseId), [], 'no specialties, nothing assigned: empty');
  t.same(store.queue('zoe', ['dermatology'], now).map((a) => a.caseId), ['shared-derm']);
});

t.test('overdue, escalation history, and everything survives reopening the database', async (t) => {
  const reopen = openStore(t);
  const first = reopen();
  first.store.insert(assignment('late', { at: T0, priority: 'urgent', assignee: 'ana', tried: ['ana'] }));
  first.store.insert(assignment('in-time', { at: T0 + 120_000 }));
  first.store.insert(assignment('opened', { at: T0, status: 'opened', deadline: null, openedAt: iso(T0 + 1), openedBy: 'beto', assignee: 'beto' }));
  t.same(first.store.overdue(T0 + 60_000).map((a) => a.caseId), ['late']);
  const late = first.store.get('post-a', 'late')!;
  const moved = { ...late, assignee: 'beto', tried: ['ana', 'beto'], deadline: T0 + 120_000, assignedAt: iso(T0 + 60_000) };
  first.store.save(moved, { postId: 'post-a', caseId: 'late', at: T0 + 60_000, from: 'ana', to: 'beto', tier: 'duty', reason: 'not opened' });
  first.db.close();

  const second = reopen();
  t.same(second.store.get('post-a', 'late'), moved);
  t.same(second.store.escalations('post-a', 'late'), [{ postId: 'post-a', caseId: 'late', at: iso(T0 + 60_000), from: 'ana', to: 'beto', tier: 'duty', reason: 'not opened' }]);
  t.match(second.store.get('post-a', 'opened'), { status: 'opened', openedBy: 'beto', openedAt: iso(T0 + 1) });
  t.same(second.store.overdue(T0 + 60_000), [], 'the escalation reset the deadline');
  t.same([...second.store.openCounts(['ana', 'beto', 'zoe'])].sort(), [['beto', 2]]);
});

t.test('a write that fails leaves nothing half done', async (t) => {
  const { store } = openStore(t)();
  store.insert(assignment('c1', { at: T0 }));
  t.throws(() => store.insert(assignment('c1', { at: T0 })), 'the same case twice is refused');
  const before = store.get('post-a', 'c1')!;
  // An escalation for a case that is not there breaks the foreign key: the update beside it must not stick.
  t.throws(() => store.save({ ...before, assignee: 'x' }, { postId: 'post-a', caseId: 'nope', at: T0, from: null, to: 'x', tier: 'duty', reason: 'r' }));
  t.same(store.get('post-a', 'c1'), before);
  t.same(store.escalations('post-a', 'nope'), []);
});
