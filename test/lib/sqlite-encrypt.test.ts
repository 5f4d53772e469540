/**
 * A plain database (a box installed before encryption) is encrypted in place
 * keeping every row, and a process killed at any step leaves either the old
 * plain file or the new encrypted one, both whole. Real files, a real SIGKILL.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { databaseState, encryptInPlace, openDatabase, type EncryptStep } from '../../lib/sqlite.js';
import { REPO_ROOT } from '../support/paths.js';

const NAME = 'Quispe Mamani Rosa';
const ROWS = 2000;
const CHILD = join(REPO_ROOT, 'dist/test/support/encrypt-child.js');

/** A plain WAL database with rows still in its WAL (never checkpointed), as a running box leaves it. */
function plainWithWal(file: string): Db {
  const db = openDatabase(file);
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, photo BLOB); CREATE INDEX p_name ON p (name)');
  db.exec(`CREATE TRIGGER p_no_delete BEFORE DELETE ON p BEGIN SELECT RAISE(ABORT, 'kept'); END`);
  const put = db.prepare('INSERT INTO p (name, photo) VALUES (?, ?)');
  db.transaction(() => { for (let i = 0; i < ROWS; i++) put.run(`${NAME} ${i}`, Buffer.alloc(512, i % 251)); })();
  db.pragma('user_version = 7');
  return db;
}
type Db = ReturnType<typeof openDatabase>;

function rowsOf(db: Db): { n: number; last: string; version: number; trigger: boolean } {
  return {
    n: (db.prepare('SELECT count(*) FROM p').pluck().get() as number),
    last: db.prepare('SELECT name FROM p ORDER BY id DESC LIMIT 1').pluck().get() as string,
    version: db.pragma('user_version', { simple: true }) as number,
    trigger: !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'p_no_delete'").get(),
  };
}
const WHOLE = { n: ROWS, last: `${NAME} ${ROWS - 1}`, version: 7, trigger: true };

const grepDir = (dir: string, text: string) => readdirSync(dir).filter((f) => readFileSync(join(dir, f)).includes(text));

t.test('a plain database with rows in its WAL is encrypted in place, every row kept, nothing readable left', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'hub.sqlite');
  const key = randomBytes(32);
  const db = plainWithWal(file);
  t.ok(existsSync(`${file}-wal`), 'rows are in the WAL');
  db.close();
  t.equal(databaseState(file), 'plain');
  t.ok(encryptInPlace(file, key));
  t.equal(databaseState(file), 'encrypted');
  t.same(grepDir(dir, NAME), [], 'no file holds the name');
  t.same(readdirSync(dir).sort(), ['hub.sqlite'], 'no copy, journal, -wal or -shm left behind');
  const plain = new Database(file);
  t.throws(() => plain.prepare('SELECT * FROM p').all(), { code: 'SQLITE_NOTADB' });
  plain.close();
  const again = openDatabase(file, { key });
  t.same(rowsOf(again), WHOLE);
  t.equal(again.pragma('journal_mode', { simple: true }), 'wal', 'back in WAL mode');
  again.close();
});

t.test('an absent or empty file is "absent"; a database another process holds open is refused, untouched', async (t) => {
  const dir = t.testdir();
  t.equal(databaseState(join(dir, 'none.sqlite')), 'absent');
  const file = join(dir, 'open.sqlite');
  const holder = plainWithWal(file);
  holder.prepare('SELECT count(*) FROM p').get();
  t.throws(() => encryptInPlace(file, randomBytes(32)), { code: 'CHASQUI_ERR_STORE' });
  t.same(rowsOf(holder), WHOLE);
  holder.close();
  t.equal(databaseState(file), 'plain');
  t.throws(() => encryptInPlace(file, Buffer.alloc(16)), { code: 'CHASQUI_ERR_STORE_KEY' });
});

const run = promisify(execFile);

for (const step of ['copied', 'encrypted', 'replaced', 'none'] as const satisfies ReadonlyArray<EncryptStep | 'none'>) {
  t.test(`killed (SIGKILL) ${step === 'none' ? 'never' : `after the step "${step}"`}: the old plain file or the new encrypted one, whole`, async (t) => {
    const dir = t.testdir();
    const file = join(dir, 'hub.sqlite');
    const key = randomBytes(32);
    plainWithWal(file).close();
    const child = await run(process.execPath, [CHILD, file, key.toString('hex'), step]).then(() => ({ signal: null }), (e: { signal: string }) => e);
    t.equal(child.signal, step === 'none' ? null : 'SIGKILL');
    const state = databaseState(file);
    t.equal(state, step === 'replaced' || step === 'none' ? 'encrypted' : 'plain');
    // The next start finishes the work: a half-made copy is thrown away, a done one is simply opened.
    if (state === 'plain') {
      const plain = openDatabase(file);
      t.same(rowsOf(plain), WHOLE, 'the plain original is whole');
      plain.close();
      t.ok(encryptInPlace(file, key), 'encrypted on the next try');
    }
    const db = openDatabase(file, { key });
    t.same(rowsOf(db), WHOLE, 'every row under the key');
    db.close();
    t.same(grepDir(dir, NAME), []);
    t.same(readdirSync(dir).filter((f) => f.includes('encrypting')), [], 'no copy left behind');
  });
}
