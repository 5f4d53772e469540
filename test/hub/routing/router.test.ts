/** The router over real cases, stored the way the relay's ingest stores them, in a real SQLite file. */
import t from 'tap';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { openDatabase, type Db } from '../../../lib/sqlite.js';
import { buildBundle, type AttachmentInput } from '../../../protocol/bundle.js';
import { TransferKind } from '../../../protocol/priority.js';
import { ingestCase } from '../../../hub/cases/case-ingest.js';
import { HubCaseStore } from '../../../hub/cases/case-store.js';
import { RoutingConfigSchema, type RoutingConfig } from '../../../hub/routing/roster-config.js';
import { Roster } from '../../../hub/routing/roster.js';
import { Router } from '../../../hub/routing/router.js';
import { tempDir } from '../../support/paths.js';

const MIN = 60_000;
/** Monday 2026-11-23, 09:00 in Lima (UTC-5). */
const MON_9 = Date.parse('2026-11-23T09:00:00-05:00');
const SAT_22 = Date.parse('2026-11-28T22:00:00-05:00');
const MAX = 1 << 20;

const config = Value.Default(RoutingConfigSchema, {
  specialists: [
    { id: 'ana', name: 'Dra. Ana', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'beto', name: 'Dr. Beto', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'dana', name: 'Dra. Dana', specialties: ['dermatology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'guardia', name: 'Dr. Guardia', specialties: ['cardiology'], hours: [] },
    { id: 'region', name: 'Dra. Regional', specialties: ['internalMedicine'], hours: [] },
  ],
  onCall: { cardiology: ['guardia'] },
  regionOnCall: ['region'],
  sla: { urgentMinutes: 30, routineMinutes: 24 * 60 },
}) as RoutingConfig;

const ECG: AttachmentInput = { name: 'ecg-1.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: Buffer.from('ecg bytes') };
const PHOTO: AttachmentInput = { name: 'brazo.jpg', mediaType: 'image/jpeg', bytes: Buffer.from('jpeg bytes') };

function setup(t: { teardown(fn: () => void): void }) {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'hub.sqlite');
  const dbs: Db[] = [];
  t.teardown(() => {
    for (const db of dbs) if (db.open) db.close();
    cleanup();
  });
  const clock = { ms: MON_9, now() { return this.ms; } };
  const open = () => {
    const db = openDatabase(file);
    dbs.push(db);
    const cases = new HubCaseStore(db);
    const router = new Router({ db, cases, roster: new Roster(config), limits: config.sla, clock });
    /** What the hub's ingest will do: store the case and route it in the relay's one transaction. */
    const arrive = (caseId: string, priority: 'urgent' | 'routine', body: Record<string, unknown>, attachments: AttachmentInput[] = [], postId = 'post-a') => {
      const b = buildBundle({ kind: 'case', id: caseId, origin: postId, createdAt: new Date(clock.ms).toISOString(), priority, body, attachments }, { maxBytes: MAX });
      return db.transaction(() => {
        ingestCase(cases, { maxRawBytes: MAX, now: () => clock.ms })(postId, TransferKind.case, b.bytes, b.id);
        return router.route(postId, caseId, new Date(clock.ms));
      })();
    };
    return { db, router, arrive };
  };
  return { clock, open };
}

const complaint = (reason: string, ageYears = 50) => ({ patient: { ageYears }, reason, history: '', specialty: null });

t.test('a case arrives: specialty by rule, assigned to the least loaded specialist on duty', async (t) => {
  const { open } = setup(t);
  const { arrive, router } = open();
  t.match(arrive('c1', 'routine', complaint('Palpitaciones'), [ECG]), { specialty: 'cardiology', rule: 'ecg', assignee: 'ana', status: 'assigned' });
  t.match(arrive('c2', 'routine', complaint('Palpitaciones'), [ECG]), { assignee: 'beto' }, 'Ana has one, Beto none');
  t.match(arrive('c3', 'routine', complaint('Mancha en el brazo'), [PHOTO]), { specialty: 'dermatology', rule: 'skinPhoto', assignee: 'dana' });
  t.match(arrive('c4', 'routine', { ...complaint('Control'), specialty: 'cardiology' }), { rule: 'explicit', assignee: 'ana' });
  t.match(router.route('post-a', 'c1', new Date(MON_9 + MIN)), { assignee: 'ana', rule: 'ecg' }, 'routing again changes nothing');
  t.throws(() => router.route('post-a', 'ghost', new Date(MON_9)), { code: 'CHASQUI_ERR_NOT_FOUND' });
});

t.test('out of hours: urgent goes to on-call at once, routine waits in the shared queue', async (t) => {
  const { open, clock } = setup(t);
  clock.ms = SAT_22;
  const { arrive, router } = open();
  t.match(arrive('u1', 'urgent', complaint('Dolor torácico'), [ECG]), { assignee: 'guardia' });
  t.match(arrive('r1', 'routine', complaint('Chequeo'), [ECG]), { assignee: null });
  t.match(arrive('r2', 'routine', complaint('Dolor de rodilla')), { specialty: 'internalMedicine', assignee: null });
  t.same(router.queue('ana').map((q) => q.caseId), ['r1'], 'Ana sees the cardiology shared queue');
  t.same(router.queue('guardia').map((q) => q.caseId), ['u1', 'r1'], 'the on-call: own urgent case, then the shared one');
  t.same(router.queue('region').map((q) => q.caseId), ['r2']);
});

t.test('a rolled-back ingest leaves no assignment', async (t) => {
  const { open } = setup(t);
  const { db, router } = open();
  const cases = new HubCaseStore(db);
  const b = buildBundle({ kind: 'case', id: 'c1', origin: 'post-a', createdAt: new Date(MON_9).toISOString(), priority: 'urgent', body: complaint('x'), attachments: [ECG] }, { maxBytes: MAX });
  t.throws(() => db.transaction(() => {
    ingestCase(cases, { maxRawBytes: MAX, now: () => MON_9 })('post-a', TransferKind.case, b.bytes, b.id);
    router.route('post-a', 'c1', new Date(MON_9));
    throw new Error('the relay failed after routing');
  })());
  t.equal(router.store.get('post-a', 'c1'), undefined);
});

t.test('urgent and unopened: escalations applied, recorded, and the queues follow', async (t) => {
  const { open, clock } = setup(t);
  const { arrive, router } = open();
  arrive('u1', 'urgent', complaint('Dolor torácico'), [ECG]);
  t.same(router.tick(new Date(MON_9 + 29 * MIN)), []);
  const [first] = router.tick(new Date(MON_9 + 30 * MIN));
  t.match(first, { caseId: 'u1', from: 'ana', to: 'beto', tier: 'duty' });
  t.same(router.queue('ana').map((q) => q.caseId), [], 'gone from Ana\'s queue');
  t.same(router.queue('beto').map((q) => q.caseId), ['u1']);
  t.match(router.tick(new Date(MON_9 + 60 * MIN)), [{ to: 'guardia', tier: 'onCall' }]);
  t.match(router.tick(new Date(MON_9 + 90 * MIN)), [{ to: 'region', tier: 'regionOnCall' }]);
  t.match(router.tick(new Date(MON_9 + 120 * MIN)), [{ to: null, tier: 'exhausted' }]);
  t.same(router.tick(new Date(MON_9 + 600 * MIN)), [], 'warned once');
  const history = router.store.escalations('post-a', 'u1');
  t.same(history.map((e) => [e.from, e.to, e.at]), [
    ['ana', 'beto', new Date(MON_9 + 30 * MIN).toISOString()],
    ['beto', 'guardia', new Date(MON_9 + 60 * MIN).toISOString()],
    ['guardia', 'region', new Date(MON_9 + 90 * MIN).toISOString()],
    ['region', null, new Date(MON_9 + 120 * MIN).toISOString()],
  ]);
  clock.ms = MON_9 + 121 * MIN;
  t.match(router.queue('region'), [{ caseId: 'u1', waitingMs: 121 * MIN }], 'waiting time counts from arrival, not from the last hand-over');
});

t.test('opening stops the clock and claims the case; answering empties it from every queue', async (t) => {
  const { open } = setup(t);
  const { arrive, router } = open();
  arrive('u1', 'urgent', complaint('Dolor torácico'), [ECG]);
  arrive('r1', 'routine', complaint('Palpitaciones'), [ECG]);
  t.match(router.open('post-a', 'u1', 'beto', new Date(MON_9 + 10 * MIN)), { status: 'opened', assignee: 'beto', openedBy: 'beto' });
  t.same(router.tick(new Date(MON_9 + 90 * MIN)), [], 'nothing escalates once opened');
  t.match(router.open('post-a', 'u1', 'ana', new Date(MON_9 + 11 * MIN)), { openedBy: 'beto' }, 'the first opening is the one recorded');
  t.match(router.answered('post-a', 'u1', new Date(MON_9 + 20 * MIN)), { status: 'answered', answeredAt: new Date(MON_9 + 20 * MIN).toISOString() });
  t.same(router.queue('beto').map((q) => q.caseId), ['r1']);
  t.match(router.answered('post-a', 'r1', new Date(MON_9 + 25 * MIN)), { status: 'answered', openedAt: null }, 'answered without a recorded opening');
  t.same(router.tick(new Date(MON_9 + 48 * 60 * MIN)), []);
  t.throws(() => router.open('post-a', 'u1', 'nobody', new Date(MON_9)), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.throws(() => router.answered('post-a', 'nope', new Date(MON_9)), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.throws(() => router.queue('nobody'), { code: 'CHASQUI_ERR_NOT_FOUND' });
});

t.test('queue: ordering, filters, and all of it persisted across reopening the database', async (t) => {
  const { open, clock } = setup(t);
  const first = open();
  first.arrive('r-old', 'routine', complaint('Palpitaciones'), [ECG]);
  clock.ms += 5 * MIN;
  first.arrive('u-b', 'urgent', complaint('Síncope'), [ECG], 'post-b');
  clock.ms += 5 * MIN;
  first.arrive('u-a', 'urgent', complaint('Dolor torácico'), [ECG]);
  first.router.open('post-a', 'r-old', 'ana', new Date(clock.ms));
  first.db.close();

  const { router } = open();
  clock.ms += 5 * MIN;
  const mine = router.queue('ana');
  t.same(mine.map((q) => [q.caseId, q.waitingMs / MIN]), [['u-a', 5], ['r-old', 15]], 'urgent first; Beto holds u-b');
  t.same(router.queue('beto').map((q) => q.caseId), ['u-b']);
  t.same(router.queue('beto', { postId: 'post-a' }), []);
  t.same(router.queue('ana', { specialty: 'dermatology' }), []);
  t.match(router.store.get('post-a', 'r-old'), { status: 'opened', openedBy: 'ana' });
  const due = router.tick(new Date(MON_9 + 39 * MIN));
  t.same(due.map((e) => [e.caseId, e.from, e.to]), [['u-b', 'beto', 'ana']], 'the clock went on after the restart; u-a is due a minute later');
});

t.test('the region\'s rules from the config file replace the built-in ones', async (t) => {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'hub.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  const tuned = Value.Default(RoutingConfigSchema, {
    ...config, rules: [{ id: 'chagas', specialty: 'cardiology', keywords: ['chagas'] }, { id: 'rest', specialty: 'internalMedicine' }],
  }) as RoutingConfig;
  const cases = new HubCaseStore(db);
  const router = new Router({ db, cases, roster: new Roster(tuned), limits: tuned.sla, rules: tuned.rules, clock: { now: () => MON_9 } });
  const b = buildBundle({ kind: 'case', id: 'c1', origin: 'post-a', createdAt: new Date(MON_9).toISOString(), priority: 'routine', body: complaint('Serología Chagas +'), attachments: [] }, { maxBytes: MAX });
  ingestCase(cases, { maxRawBytes: MAX, now: () => MON_9 })('post-a', TransferKind.case, b.bytes, b.id);
  t.match(router.route('post-a', 'c1', new Date(MON_9)), { specialty: 'cardiology', rule: 'chagas', reason: 'chagas: chagas', assignee: 'ana' });
});
