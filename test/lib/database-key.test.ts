/** The database key file: made once, private, and refused rather than guessed at. Real files. */
import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDatabaseKeyFile, loadOrCreateDatabaseKey, readDatabaseKey } from '../../lib/database-key.js';

t.test('a missing key is made: 32 random bytes as hex, 0600 in a new 0700 folder, and kept after', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'etc', 'chasqui', 'hub-db.key');
  const a = loadOrCreateDatabaseKey(file);
  t.equal(a.created, true);
  t.equal(a.key.length, 32);
  t.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(statSync(join(dir, 'etc', 'chasqui')).mode & 0o777, 0o700);
  const b = loadOrCreateDatabaseKey(file);
  t.equal(b.created, false);
  t.ok(b.key.equals(a.key), 'the same key on the next start');
  t.equal(ensureDatabaseKeyFile(file), false, 'never replaced');
  t.ok(readDatabaseKey(file).equals(a.key));
});

t.test('refused with CHASQUI_ERR_KEY_FILE: readable by group or others, the wrong size, not hex, unreadable', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'hub-db.key');
  loadOrCreateDatabaseKey(file);
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    chmodSync(file, mode);
    t.throws(() => readDatabaseKey(file), { code: 'CHASQUI_ERR_KEY_FILE', message: new RegExp(`mode 0${mode.toString(8)}.*chmod 600`) }, `0${mode.toString(8)}`);
  }
  t.doesNotThrow(() => readDatabaseKey(file, { checkMode: false }), 'a systemd credential: its ACL shows as group-read');
  for (const [what, text] of <Array<[string, string]>>[['16 bytes', 'ab'.repeat(16)], ['33 bytes', 'ab'.repeat(33)], ['not hex', 'zz'.repeat(32)], ['empty', '']]) {
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
    t.throws(() => readDatabaseKey(file), { code: 'CHASQUI_ERR_KEY_FILE', message: /not a database key/ }, what);
  }
  t.throws(() => readDatabaseKey(join(dir, 'nada.key')), { code: 'CHASQUI_ERR_KEY_FILE', message: /does not exist/ });
  if (process.getuid?.() !== 0) {
    chmodSync(file, 0o000);
    t.throws(() => readDatabaseKey(file), { code: 'CHASQUI_ERR_KEY_FILE', message: /cannot be read/ });
  }
});

t.test('a missing key beside an encrypted database is an error that says where it goes, never a new key', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'hub-db.key');
  t.throws(() => loadOrCreateDatabaseKey(file, { encryptedDatabase: join(dir, 'data', 'hub.sqlite') }),
    { code: 'CHASQUI_ERR_KEY_FILE', message: /hub-db\.key does not exist, and .*hub\.sqlite is encrypted.*Restore the key file from its backup/ });
  t.throws(() => ensureDatabaseKeyFile(file, { create: false, createHint: 'make it with chasqui hub init' }),
    { code: 'CHASQUI_ERR_KEY_FILE', message: /not made here: make it with chasqui hub init/ });
  t.throws(() => statSync(file), { code: 'ENOENT' }, 'nothing was made');
  mkdirSync(join(dir, 'ro'), { mode: 0o500 });
  if (process.getuid?.() !== 0) t.throws(() => ensureDatabaseKeyFile(join(dir, 'ro', 'k')), { code: 'CHASQUI_ERR_KEY_FILE', message: /cannot be made by this user/ });
});
