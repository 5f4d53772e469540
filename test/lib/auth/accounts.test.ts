/** The shared account store with an app's own table, roles and data; sessions in an app's own table. */
import t from 'tap';
import { Accounts, type AccountKind } from '../../../lib/auth/accounts.js';
import type { ScryptParams } from '../../../lib/auth/secret-hash.js';
import { SessionStore } from '../../../lib/auth/sessions.js';
import { ChasquiError } from '../../../lib/errors.js';
import { testDb } from '../../support/db.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };
type Role = 'reader' | 'editor';
type Data = { shelves: string[] };

const KIND: AccountKind<Role, Data> = {
  table: 'library_accounts', schema: 'library-accounts', roles: ['reader', 'editor'], defaultRole: 'reader', noun: 'library account',
  checkData: (role, data) => {
    if (role === 'editor' && !data?.shelves.length) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'an editor needs a shelf', { rule: 'shelfMissing' });
    return { shelves: data?.shelves ?? [] };
  },
};

t.test('an app chooses its table, its roles and what an account carries', async (t) => {
  const { db, clock } = testDb(t);
  const accounts = new Accounts(db, clock, KIND, { scrypt: FAST });
  const ed = await accounts.create({ username: 'eva', displayName: 'Eva', role: 'editor', kind: 'password', secret: 'estante-alto-3', data: { shelves: ['a'] } });
  t.match(ed, { role: 'editor', data: { shelves: ['a'] }, disabled: false });
  t.match(await accounts.verify('EVA', 'estante-alto-3'), { ok: true, account: { id: ed.id, role: 'editor', data: { shelves: ['a'] } } });
  t.same(await accounts.verify('eva', 'otra-cosa-9'), { ok: false, reason: 'wrong' });
  await t.rejects(accounts.create({ username: 'leo', displayName: 'Leo', role: 'editor', kind: 'pin', secret: '284719' }), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule: 'shelfMissing' } });
  t.match(await accounts.create({ username: 'leo', displayName: 'Leo', kind: 'pin', secret: '284719' }), { role: 'reader', data: { shelves: [] } });
  t.throws(() => accounts.disable('nadie'), { code: 'CHASQUI_ERR_NOT_FOUND', message: 'no library account "nadie"' });
  t.equal(db.prepare('SELECT count(*) FROM library_accounts').pluck().get(), 2);
  t.throws(() => new Accounts(db, clock, { ...KIND, table: 'x; DROP TABLE y' }), /cannot name/, 'a table name is never SQL');
});

t.test('two apps\' sessions in one file do not see each other', async (t) => {
  const { db, clock } = testDb(t);
  const a = new SessionStore(db, clock, { table: 'a_sessions', schema: 'a-sessions' });
  const b = new SessionStore(db, clock, { table: 'b_sessions', schema: 'b-sessions' }, { idleMs: 1000 });
  const token = a.create('acc-1').token;
  t.match(a.validate(token), { accountId: 'acc-1' });
  t.equal(b.validate(token), null);
  t.equal(b.options.idleMs, 1000);
  t.equal(a.options.idleMs, 30 * 60_000, '30 minutes idle unless told');
  t.equal(a.options.absoluteMs, 12 * 3_600_000, '12 hours in all unless told');
});
