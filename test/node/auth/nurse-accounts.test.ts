/** Nurse accounts on a real SQLite file: hashing, the secret rules, disable, reset, cost upgrades. */
import t from 'tap';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../lib/sqlite.js';
import { DEFAULT_SCRYPT, NurseAccounts, type ScryptParams } from '../../../node/auth/nurse-accounts.js';
import { tempDir } from '../../support/paths.js';

// Cheap parameters keep the suite fast; one test below runs the production ones.
const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };
const clock = { now: () => 1_700_000_000_000 };

function openDb(t: { teardown(fn: () => void): void }): Db {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'post.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  return db;
}

const refusedFor = (rule: string) => ({ code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule } });

t.test('create and verify a password account; only the hash is stored', async (t) => {
  const db = openDb(t);
  const accounts = new NurseAccounts(db, clock, { scrypt: FAST });
  const ana = await accounts.create({ username: ' Ana.Quispe ', displayName: 'Ana Quispe', kind: 'password', secret: 'muña-del-cerro' });
  t.match(ana, { username: 'ana.quispe', displayName: 'Ana Quispe', role: 'nurse', secretKind: 'password', disabled: false });
  t.match(await accounts.verify('ANA.QUISPE', 'muña-del-cerro'), { ok: true, nurse: { id: ana.id, username: 'ana.quispe' } });
  t.same(await accounts.verify('ana.quispe', 'muna-del-cerro'), { ok: false, reason: 'wrong' });
  t.same(await accounts.verify('nadie', 'muña-del-cerro'), { ok: false, reason: 'unknown' });
  t.same(await accounts.verify('no valid name!', 'x'), { ok: false, reason: 'unknown' }, 'a malformed name is just unknown');
  const dump = JSON.stringify(db.prepare('SELECT * FROM nurse_accounts').all());
  t.notMatch(dump, 'muña', 'the secret is nowhere in the table');
  await t.rejects(accounts.create({ username: 'ana.quispe', displayName: 'Otra', kind: 'password', secret: 'otra-clave-larga' }), refusedFor('usernameTaken'));
  await t.rejects(accounts.create({ username: 'local-cli', displayName: 'X', kind: 'password', secret: 'otra-clave-larga' }), refusedFor('usernameReserved'));
  await t.rejects(accounts.create({ username: 'x', displayName: 'X', kind: 'password', secret: 'otra-clave-larga' }), refusedFor('usernameInvalid'));
});

t.test('the same secret hashes differently for two accounts (per-account salt)', async (t) => {
  const db = openDb(t);
  const accounts = new NurseAccounts(db, clock, { scrypt: FAST });
  await accounts.create({ username: 'rosa', displayName: 'Rosa', kind: 'pin', secret: '284719' });
  await accounts.create({ username: 'juana', displayName: 'Juana', kind: 'pin', secret: '284719' });
  const rows = db.prepare('SELECT hash, salt FROM nurse_accounts').all() as Array<{ hash: string; salt: string }>;
  t.not(rows[0]!.hash, rows[1]!.hash);
  t.not(rows[0]!.salt, rows[1]!.salt);
  t.match(await accounts.verify('rosa', '284719'), { ok: true });
});

t.test('weak secrets are refused with the rule they break', async (t) => {
  const accounts = new NurseAccounts(openDb(t), clock, { scrypt: FAST });
  const make = (kind: 'pin' | 'password', secret: string) => accounts.create({ username: 'eva', displayName: 'Eva', kind, secret });
  await t.rejects(make('pin', '28471'), refusedFor('pinTooShort'));
  await t.rejects(make('pin', '28a719'), refusedFor('pinNotDigits'));
  await t.rejects(make('pin', '123456'), refusedFor('pinTooSimple'));
  await t.rejects(make('pin', '000000'), refusedFor('pinTooSimple'));
  await t.rejects(make('pin', '9876543'), refusedFor('pinTooSimple'));
  await t.rejects(make('password', 'corto12'), refusedFor('passwordTooShort'));
  await t.rejects(make('password', 'Password'), refusedFor('passwordTooSimple'));
  await t.rejects(make('password', 'abababab'), refusedFor('passwordTooSimple'));
  await t.rejects(make('password', 'soy-eva-2024'), refusedFor('passwordHasUsername'));
  await t.rejects(accounts.create({ username: 'eva', displayName: '  ', kind: 'pin', secret: '284719' }), refusedFor('nameMissing'));
  t.equal(accounts.list().length, 0, 'nothing was created');
  t.match(await make('pin', '2847193'), { secretKind: 'pin' });
});

t.test('disable keeps the row but refuses the right secret; enable brings it back', async (t) => {
  const accounts = new NurseAccounts(openDb(t), clock, { scrypt: FAST });
  await accounts.create({ username: 'luz', displayName: 'Luz', role: 'admin', kind: 'password', secret: 'hierba-luisa' });
  t.match(accounts.disable('luz'), { disabled: true, role: 'admin' });
  t.same(await accounts.verify('luz', 'hierba-luisa'), { ok: false, reason: 'disabled' });
  t.equal(accounts.list().length, 1);
  accounts.setDisabled('luz', false);
  t.match(await accounts.verify('luz', 'hierba-luisa'), { ok: true });
  t.throws(() => accounts.disable('nadie'), { code: 'CHASQUI_ERR_NOT_FOUND' });
});

t.test('reset replaces the secret and may switch between password and PIN', async (t) => {
  const accounts = new NurseAccounts(openDb(t), clock, { scrypt: FAST });
  await accounts.create({ username: 'sara', displayName: 'Sara', kind: 'password', secret: 'chirimoya-dulce' });
  await accounts.resetSecret('sara', '390182', 'pin');
  t.same(await accounts.verify('sara', 'chirimoya-dulce'), { ok: false, reason: 'wrong' });
  t.match(await accounts.verify('sara', '390182'), { ok: true });
  t.equal(accounts.byUsername('sara')?.secretKind, 'pin');
  await t.rejects(accounts.resetSecret('sara', '1234'), refusedFor('pinTooShort'), 'the kind stays PIN unless told otherwise');
});

t.test('raising the cost rehashes an account at its next good sign-in', async (t) => {
  const db = openDb(t);
  const old = new NurseAccounts(db, clock, { scrypt: FAST });
  await old.create({ username: 'teo', displayName: 'Teo', kind: 'password', secret: 'quinua-roja-7' });
  const raised: ScryptParams = { ...FAST, N: 2048 };
  const now = new NurseAccounts(db, clock, { scrypt: raised });
  t.same(await now.verify('teo', 'wrong-secret-1'), { ok: false, reason: 'wrong' });
  t.same(now.paramsOf('teo'), FAST, 'a wrong secret changes nothing');
  t.match(await now.verify('teo', 'quinua-roja-7'), { ok: true });
  t.same(now.paramsOf('teo'), raised);
  t.match(await now.verify('teo', 'quinua-roja-7'), { ok: true }, 'the new hash verifies');
});

t.test('the production parameters work (scrypt needs more than node\'s default maxmem)', async (t) => {
  const accounts = new NurseAccounts(openDb(t), clock);
  await accounts.create({ username: 'ines', displayName: 'Inés', kind: 'pin', secret: '570913' });
  t.same(accounts.paramsOf('ines'), DEFAULT_SCRYPT);
  t.match(await accounts.verify('ines', '570913'), { ok: true });
});
