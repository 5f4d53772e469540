/** Hub accounts on a real SQLite file: roles, a specialist's specialties, and the tables they live in. */
import t from 'tap';
import type { ScryptParams } from '../../../lib/auth/secret-hash.js';
import { checkHubData, hubUserOf, openHubAccounts } from '../../../hub/auth/hub-accounts.js';
import { landingPath, mayOpen } from '../../../hub/auth/hub-access.js';
import { testDb } from '../../support/db.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };
const refusedFor = (rule: string) => ({ code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule } });

t.test('a specialist carries specialties, in catalogue order, once each', async (t) => {
  const { db, clock } = testDb(t);
  const accounts = openHubAccounts(db, clock, { scrypt: FAST });
  const a = await accounts.create({ username: 'dra.flores', displayName: 'Dra. Flores', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['obstetrics', 'cardiology', 'obstetrics'] } });
  t.match(a, { role: 'specialist', data: { specialties: ['cardiology', 'obstetrics'] } }, 'specialist is the default role');
  t.same(hubUserOf(a), { id: a.id, username: 'dra.flores', displayName: 'Dra. Flores', role: 'specialist', specialties: ['cardiology', 'obstetrics'] });
  t.same(accounts.setData('dra.flores', { specialties: ['paediatrics'] }).data, { specialties: ['paediatrics'] });
  t.throws(() => accounts.setData('dra.flores', { specialties: [] }), refusedFor('specialtyMissing'));
  const row = db.prepare('SELECT role, app_data FROM hub_accounts').get();
  t.same(row, { role: 'specialist', app_data: '{"specialties":["paediatrics"]}' });
});

t.test('operators and admins carry no specialty; unknown roles are refused', async (t) => {
  const { db, clock } = testDb(t);
  const accounts = openHubAccounts(db, clock, { scrypt: FAST });
  const op = await accounts.create({ username: 'oper', displayName: 'Óscar', role: 'operator', kind: 'pin', secret: '284719' });
  t.same(op.data, { specialties: [] });
  await t.rejects(accounts.create({ username: 'jefe', displayName: 'J', role: 'admin', kind: 'pin', secret: '284719', data: { specialties: ['cardiology'] } }), refusedFor('specialtyNotSpecialist'));
  // A role from a command line or a form arrives as a string: the store checks it, whatever TypeScript was told.
  await t.rejects(accounts.create({ username: 'ana', displayName: 'Ana', role: 'nurse' as 'admin', kind: 'pin', secret: '284719' }), refusedFor('roleInvalid'));
  t.throws(() => db.prepare("UPDATE hub_accounts SET role = 'nurse'").run(), /CHECK constraint/, 'the table refuses a role the hub does not have');
  t.throws(() => checkHubData('specialist', { specialties: ['neurology' as 'cardiology'] }), refusedFor('specialtyUnknown'));
});

t.test('the access table: only specialists open patient data; each role lands where it may go', async (t) => {
  t.same([mayOpen('specialist', 'cases'), mayOpen('operator', 'cases'), mayOpen('admin', 'cases')], [true, false, false]);
  t.same([mayOpen('specialist', 'audit'), mayOpen('operator', 'audit'), mayOpen('admin', 'audit')], [false, false, true]);
  t.same([mayOpen('specialist', 'links'), mayOpen('operator', 'links'), mayOpen('admin', 'links')], [false, true, true]);
  const areaOf = { '/cola': 'queue', '/enlaces': 'links', '/auditoria': 'audit' } as const;
  for (const role of ['specialist', 'operator', 'admin'] as const) t.ok(mayOpen(role, areaOf[landingPath(role) as keyof typeof areaOf]), `${role} may open its landing page`);
});
