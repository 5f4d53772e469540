import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { RoutingConfigSchema, type RoutingConfig } from '../../../hub/routing/roster-config.js';
import { Roster } from '../../../hub/routing/roster.js';
import * as sla from '../../../hub/routing/sla.js';

const MIN = 60_000;
const limits: sla.SlaLimits = { urgentMinutes: 30, routineMinutes: 24 * 60 };
/** Monday 2026-11-23 09:00 in Lima (UTC-5). */
const T0 = Date.parse('2026-11-23T09:00:00-05:00');

const roster = new Roster(Value.Default(RoutingConfigSchema, {
  specialists: [
    { id: 'ana', name: 'Ana', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'beto', name: 'Beto', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'guardia', name: 'Guardia', specialties: ['cardiology'], hours: [] },
    { id: 'region', name: 'Regional', specialties: ['internalMedicine'], hours: [] },
  ],
  onCall: { cardiology: ['guardia'] },
  regionOnCall: ['region'],
}) as RoutingConfig);
const candidatesFor = roster.onDuty.bind(roster);

function urgentCase(): sla.SlaCase {
  return sla.assign({ postId: 'p1', caseId: 'c1', priority: 'urgent', specialty: 'cardiology' }, 'ana', T0, limits);
}

t.test('an urgent case not opened in 30 min climbs: next on duty, on-call, region on-call', async (t) => {
  let c = urgentCase();
  t.same(sla.tick([c], T0 + 30 * MIN - 1, candidatesFor, limits), [], 'not yet due one millisecond before');
  const steps: Array<[string | null, string]> = [];
  for (let i = 1; i <= 4; i++) {
    const [due, ...rest] = sla.tick([c], T0 + i * 30 * MIN, candidatesFor, limits);
    t.equal(rest.length, 0);
    t.ok(due, `escalation ${i}`);
    steps.push([due!.escalation.to, due!.escalation.tier]);
    t.equal(due!.escalation.at, T0 + i * 30 * MIN, 'stamped with the time it happened');
    c = due!.next;
  }
  t.same(steps, [['beto', 'duty'], ['guardia', 'onCall'], ['region', 'regionOnCall'], [null, 'exhausted']]);
  t.same(c.tried, ['ana', 'beto', 'guardia', 'region'], 'never back to someone who had it');
  t.equal(c.assignee, 'region', 'with nobody left it stays with the last');
  t.equal(c.deadline, null, 'and the clock stops, so the warning is given once');
  t.same(sla.tick([c], T0 + 10 * 60 * MIN, candidatesFor, limits), []);
});

t.test('each escalation says why', async (t) => {
  const [due] = sla.tick([urgentCase()], T0 + 31 * MIN, candidatesFor, limits);
  t.match(due!.escalation, { from: 'ana', to: 'beto', reason: /urgent case not opened by ana in 31 min; next specialist on duty/ });
});

t.test('opening stops the clock, and the case belongs to whoever opened it', async (t) => {
  const c = sla.opened(urgentCase(), 'beto');
  t.match(c, { status: 'opened', assignee: 'beto', deadline: null });
  t.same(sla.tick([c], T0 + 5 * 60 * MIN, candidatesFor, limits), []);
  t.equal(sla.opened(sla.answered(c), 'ana').status, 'answered', 'opening an answered case changes nothing');
});

t.test('answering stops the clock', async (t) => {
  const c = sla.answered(urgentCase());
  t.match(c, { status: 'answered', deadline: null });
  t.same(sla.tick([c], T0 + 5 * 60 * MIN, candidatesFor, limits), []);
});

t.test('a routine case has a day; the limits come from config and can be short', async (t) => {
  const routine = sla.assign({ postId: 'p1', caseId: 'c2', priority: 'routine', specialty: 'cardiology' }, null, T0, limits);
  t.equal(routine.deadline, T0 + 24 * 60 * MIN);
  t.same(sla.tick([routine], T0 + 23 * 60 * MIN, candidatesFor, limits), []);
  // Tuesday 09:00 Lima: Ana is on duty and has not had it (it sat in the shared queue).
  const [due] = sla.tick([routine], T0 + 24 * 60 * MIN, candidatesFor, limits);
  t.match(due!.escalation, { from: null, to: 'ana', tier: 'duty', reason: /the cardiology queue/ });
  const quick = { urgentMinutes: 1, routineMinutes: 2 };
  const fast = sla.assign({ postId: 'p1', caseId: 'c3', priority: 'routine', specialty: 'cardiology' }, 'ana', T0, quick);
  t.equal(sla.tick([fast], T0 + 2 * MIN, candidatesFor, quick).length, 1);
});

t.test('who is next is read at the time of escalation: out of hours it goes straight to on-call', async (t) => {
  const evening = Date.parse('2026-11-23T13:50:00-05:00');
  const c = sla.assign({ postId: 'p1', caseId: 'c4', priority: 'urgent', specialty: 'cardiology' }, 'ana', evening, limits);
  const [due] = sla.tick([c], evening + 30 * MIN, candidatesFor, limits);
  t.match(due!.escalation, { to: 'guardia', tier: 'onCall' }, '14:20: Beto\'s shift has ended');
});

t.test('several cases: only the due ones, oldest deadline first', async (t) => {
  const a = urgentCase();
  const b = { ...urgentCase(), caseId: 'c9', deadline: T0 + 10 * MIN };
  const later = { ...urgentCase(), caseId: 'c10', deadline: T0 + 90 * MIN };
  t.same(sla.tick([a, b, later], T0 + 30 * MIN, candidatesFor, limits).map((d) => d.escalation.caseId), ['c9', 'c1']);
});
