import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { RoutingConfigSchema, type RoutingConfig } from '../../../hub/routing/roster-config.js';
import { parseDays, Roster } from '../../../hub/routing/roster.js';

/** Lima is UTC-5 all year: 2026-11-23 is a Monday, so Monday 08:00 in Lima is 13:00Z. */
const lima = (isoLocal: string) => new Date(`${isoLocal}-05:00`);

function config(partial: Record<string, unknown>): RoutingConfig {
  return Value.Default(RoutingConfigSchema, structuredClone(partial)) as RoutingConfig;
}

const cfg = config({
  specialists: [
    { id: 'ana', name: 'Dra. Ana Quispe', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '08:00', to: '14:00' }] },
    { id: 'beto', name: 'Dr. Beto Huamán', specialties: ['cardiology', 'internalMedicine'], hours: [{ days: 'mon-fri', from: '13:00', to: '19:00' }] },
    { id: 'noe', name: 'Dr. Noé Flores', specialties: ['cardiology'], hours: [{ days: 'fri', from: '20:00', to: '08:00' }] },
    { id: 'sara', name: 'Dra. Sara Ccori', specialties: ['internalMedicine'], hours: [{ days: 'sat,sun', from: '09:00', to: '13:00' }] },
    { id: 'oncall', name: 'Dr. Guardia', specialties: ['cardiology'], hours: [] },
    { id: 'region', name: 'Dra. Regional', specialties: ['internalMedicine'], hours: [] },
  ],
  onCall: { cardiology: ['oncall', 'ana'] },
  regionOnCall: ['region'],
});
const roster = new Roster(cfg);
const ids = (specialty: Parameters<Roster['onDuty']>[0], at: Date) => roster.onDuty(specialty, at).map((c) => `${c.specialistId}:${c.tier}`);

t.test('weekday hours are read in Lima time, not UTC', async (t) => {
  t.same(ids('cardiology', lima('2026-11-23T08:00')), ['ana:duty', 'oncall:onCall', 'region:regionOnCall'], 'Monday 08:00 Lima: Ana starts');
  t.same(ids('cardiology', lima('2026-11-23T07:59')), ['oncall:onCall', 'ana:onCall', 'region:regionOnCall'], '07:59: nobody yet');
  t.same(ids('cardiology', lima('2026-11-23T13:30')), ['ana:duty', 'beto:duty', 'oncall:onCall', 'region:regionOnCall'], 'overlap: both, roster order');
  t.same(ids('cardiology', lima('2026-11-23T14:00')), ['beto:duty', 'oncall:onCall', 'ana:onCall', 'region:regionOnCall'], 'the end is exclusive');
  // 13:30Z is 08:30 in Lima; read as UTC it would be in Ana's and Beto's hours.
  t.same(ids('cardiology', new Date('2026-11-23T13:30:00Z')), ['ana:duty', 'oncall:onCall', 'region:regionOnCall']);
});

t.test('a shift across midnight belongs to the day it starts', async (t) => {
  const duty = (at: Date) => roster.onDuty('cardiology', at).filter((c) => c.tier === 'duty').map((c) => c.specialistId);
  t.same(duty(lima('2026-11-27T23:00')), ['noe'], 'Friday 23:00');
  t.same(duty(lima('2026-11-28T07:59')), ['noe'], 'Saturday 07:59');
  t.same(duty(lima('2026-11-28T08:00')), [], 'Saturday 08:00: over');
  t.same(duty(lima('2026-11-27T07:00')), [], 'Friday 07:00 belongs to Thursday night, which he does not work');
  t.same(duty(lima('2026-11-29T02:00')), [], 'Sunday night is not his');
});

t.test('weekends: only weekend shifts, otherwise the on-call lists', async (t) => {
  t.same(ids('internalMedicine', lima('2026-11-29T10:00')), ['sara:duty', 'region:regionOnCall'], 'Sunday 10:00');
  t.same(ids('internalMedicine', lima('2026-11-29T15:00')), ['region:regionOnCall'], 'nobody on duty and no specialty on-call: the region');
  t.same(ids('cardiology', lima('2026-11-29T15:00')), ['oncall:onCall', 'ana:onCall', 'region:regionOnCall'], 'nobody on duty: on-call in order');
  t.same(ids('obstetrics', lima('2026-11-23T10:00')), ['region:regionOnCall'], 'a specialty nobody covers');
});

t.test('day specs', async (t) => {
  t.same([...parseDays('mon-fri')].sort(), [1, 2, 3, 4, 5]);
  t.same([...parseDays('fri-mon')].sort(), [0, 1, 5, 6], 'a range wraps past Sunday');
  t.same([...parseDays('sat,sun')].sort(), [0, 6]);
  t.throws(() => parseDays('lun-vie'), { code: 'CHASQUI_ERR_CONFIG' });
});

t.test('the config is checked: schema defaults, bad hours, unknown on-call ids, duplicates', async (t) => {
  const empty = config({});
  t.same(empty.sla, { urgentMinutes: 30, routineMinutes: 1440 });
  t.same(new Roster(empty).onDuty('cardiology', new Date()), [], 'an empty roster: nobody, the shared queue');
  const bad = (c: Record<string, unknown>) => [...Value.Errors(RoutingConfigSchema, config(c))].length;
  t.ok(bad({ specialists: [{ id: 'x', name: 'X', specialties: ['cardiology'], hours: [{ days: 'mon-fri', from: '8:00', to: '14:00' }] }] }), 'H:MM');
  t.ok(bad({ specialists: [{ id: 'x', name: 'X', specialties: ['surgery'], hours: [] }] }), 'unknown specialty');
  t.ok(bad({ onCall: { surgery: ['x'] } }), 'unknown on-call specialty');
  t.equal(bad({ specialists: [{ id: 'x', name: 'X', specialties: ['cardiology'], hours: [{ days: 'fri-mon', from: '20:00', to: '24:00' }] }] }), 0);
  t.throws(() => new Roster(config({ regionOnCall: ['ghost'] })), { code: 'CHASQUI_ERR_CONFIG', message: /ghost/ });
  const twice = { id: 'x', name: 'X', specialties: ['cardiology'], hours: [] };
  t.throws(() => new Roster(config({ specialists: [twice, twice] })), { code: 'CHASQUI_ERR_CONFIG' });
});
