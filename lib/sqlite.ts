/**
 * Opens a SQLite database the way every Chasqui store needs it: WAL so readers
 * never block the writer, synchronous=FULL so a commit survives a power cut
 * (posts run on batteries and solar), and a busy timeout for the odd
 * concurrent CLI. Migrations are idempotent DDL, applied in order.
 *
 * With a key the file (and its WAL) is encrypted whole, SQLCipher 4 format,
 * by SQLite3MultipleCiphers (better-sqlite3-multiple-ciphers, the same API as
 * better-sqlite3): pages are AES-256-CBC with an HMAC-SHA512 each, so a stolen
 * file reads as noise and an edited page is refused.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChasquiError, fromStoreError } from './errors.js';

export type Db = Database.Database;

export type OpenOptions = {
  maxPageCount?: number;
  /** 32 random bytes: the file is encrypted under them (a new file is created encrypted). */
  key?: Buffer;
};

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: Db | undefined;
  try {
    db = new Database(file);
    if (opts.key) applyKey(db, opts.key, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // A test can cap the file size to make SQLite report a full disk honestly.
    if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    return db;
  } catch (err) {
    db?.close();
    throw fromStoreError(err);
  }
}

function applyKey(db: Db, key: Buffer, file: string): void {
  if (key.length !== 32) throw new ChasquiError('CHASQUI_ERR_STORE_KEY', `a database key is 32 bytes, not ${key.length}`);
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  // A raw key (x'…'): no passphrase derivation, the key is already random.
  db.pragma(`key = "x'${key.toString('hex')}'"`);
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new ChasquiError('CHASQUI_ERR_STORE_KEY', `${file} does not open with this key (another key, or not a Chasqui database)`, undefined, { cause: err });
    }
    throw err;
  }
}

/** Runs each statement list once, tracked in user_version. */
export function migrate(db: Db, name: string, steps: string[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
  const row = db.prepare('SELECT version FROM schema_versions WHERE name = ?').get(name) as { version: number } | undefined;
  const from = row?.version ?? 0;
  db.transaction(() => {
    for (let v = from; v < steps.length; v++) db.exec(steps[v]!);
    db.prepare('INSERT INTO schema_versions (name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version').run(name, steps.length);
  })();
}
