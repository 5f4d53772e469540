/**
 * A keyed database is unreadable without its key, in the file and in its WAL,
 * refuses a wrong key with a code a person can look up, and reads as before
 * with the right one. Real SQLite files on disk.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { openDatabase } from '../../lib/sqlite.js';

const NAME = 'Quispe Mamani Rosa';

function write(file: string, key?: Buffer): void {
  const db = openDatabase(file, { key });
  db.exec('CREATE TABLE p (name TEXT)');
  db.prepare('INSERT INTO p VALUES (?)').run(NAME);
  db.close();
}

function grepDir(dir: string, text: string): string[] {
  return readdirSync(dir).filter((f) => readFileSync(join(dir, f)).includes(text));
}

t.test('without a key the name is in the file (the control)', async (t) => {
  const dir = t.testdir();
  write(join(dir, 'plain.sqlite'));
  t.same(grepDir(dir, NAME), ['plain.sqlite']);
});

t.test('with a key no file holds the name, open or closed, and plain SQLite cannot read it', async (t) => {
  const dir = t.testdir();
  const key = randomBytes(32);
  const file = join(dir, 'enc.sqlite');
  const db = openDatabase(file, { key });
  db.exec('CREATE TABLE p (name TEXT)');
  db.prepare('INSERT INTO p VALUES (?)').run(NAME);
  t.same(grepDir(dir, NAME), [], 'nothing readable while the WAL holds the row');
  db.close();
  t.same(grepDir(dir, NAME), [], 'nothing readable after the checkpoint');
  const plain = new Database(file);
  t.throws(() => plain.prepare('SELECT * FROM p').all(), { code: 'SQLITE_NOTADB' });
  plain.close();
  const again = openDatabase(file, { key });
  t.same(again.prepare('SELECT name FROM p').pluck().all(), [NAME]);
  again.close();
});

t.test('a wrong key is CHASQUI_ERR_STORE_KEY, and the file is left as it was', async (t) => {
  const dir = t.testdir();
  const key = randomBytes(32);
  const file = join(dir, 'enc.sqlite');
  write(file, key);
  const before = readFileSync(file);
  t.throws(() => openDatabase(file, { key: randomBytes(32) }), { code: 'CHASQUI_ERR_STORE_KEY' });
  t.throws(() => openDatabase(file), { code: 'CHASQUI_ERR_STORE' }, 'no key at all: not a database');
  t.ok(readFileSync(file).equals(before));
  t.throws(() => openDatabase(join(dir, 'x.sqlite'), { key: Buffer.alloc(16) }), { code: 'CHASQUI_ERR_STORE_KEY' });
});
