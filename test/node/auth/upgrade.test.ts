/**
 * A post that already has nurses and open sessions (the schema as issue 4
 * shipped it) upgrades to the shared account store without losing either.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { migrate } from '../../../lib/sqlite.js';
import { storeSecret, type ScryptParams } from '../../../lib/auth/secret-hash.js';
import { NurseAccounts } from '../../../node/auth/nurse-accounts.js';
import { SessionStore } from '../../../node/auth/sessions.js';
import { testDb } from '../../support/db.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };

// Word for word the migrations node/auth/nurse-accounts.ts and sessions.ts had before the move to lib/auth.
const OLD_ACCOUNTS = `CREATE TABLE nurse_accounts (
     id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('nurse', 'admin')), secret_kind TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
     hash TEXT NOT NULL, salt TEXT NOT NULL, params TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`;
const OLD_SESSIONS = `CREATE TABLE nurse_sessions (
     token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
   CREATE INDEX nurse_sessions_account ON nurse_sessions (account_id)`;

t.test('accounts and open sessions from before the move still sign in', async (t) => {
  const { db, clock } = testDb(t);
  migrate(db, 'nurse-accounts', [OLD_ACCOUNTS]);
  migrate(db, 'nurse-sessions', [OLD_SESSIONS]);
  const s = await storeSecret('muña-del-cerro', FAST);
  db.prepare(`INSERT INTO nurse_accounts (id, username, display_name, role, secret_kind, hash, salt, params, disabled, created_at, updated_at)
    VALUES ('acc-1', 'ana', 'Ana Quispe', 'admin', 'password', ?, ?, ?, 0, ?, ?)`).run(s.hash, s.salt, s.params, clock.ms, clock.ms);
  const token = 'A'.repeat(43);
  db.prepare('INSERT INTO nurse_sessions VALUES (?, ?, ?, ?)').run(createHash('sha256').update(token).digest('hex'), 'acc-1', clock.ms, clock.ms);

  const accounts = new NurseAccounts(db, clock, { scrypt: FAST });
  const sessions = new SessionStore(db, clock);
  t.same(await accounts.verify('ana', 'muña-del-cerro'), { ok: true, nurse: { id: 'acc-1', username: 'ana', displayName: 'Ana Quispe', role: 'admin' } });
  t.match(sessions.validate(token), { accountId: 'acc-1' }, 'a nurse signed in before the upgrade stays signed in');
  t.match(accounts.list(), [{ username: 'ana', role: 'admin', secretKind: 'password', disabled: false }]);
  const versions = db.prepare('SELECT name, version FROM schema_versions ORDER BY name').all();
  t.same(versions, [{ name: 'nurse-accounts', version: 2 }, { name: 'nurse-sessions', version: 1 }], 'only the app-data column was added');
  const cols = (db.prepare('PRAGMA table_info(nurse_accounts)').all() as Array<{ name: string }>).map((c) => c.name);
  t.equal(cols.at(-1), 'app_data');
  t.equal(db.prepare('SELECT app_data FROM nurse_accounts').pluck().get(), null);
});
