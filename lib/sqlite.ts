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
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChasquiError, fromStoreError } from './errors.js';
import { fsyncDirectory } from './private-file.js';

export type Db = Database.Database;

export type OpenOptions = {
  maxPageCount?: number;
  /** 32 random bytes: the file is encrypted under them (a new file is created encrypted). */
  key?: Buffer;
  /**
   * 'delete' (a rollback journal) where one transaction writes to two files
   * (attachDatabase): SQLite commits those atomically only without WAL.
   */
  journal?: 'wal' | 'delete';
};

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: Db | undefined;
  try {
    db = new Database(file);
    if (opts.key) applyKey(db, opts.key, file);
    db.pragma(`journal_mode = ${opts.journal === 'delete' ? 'DELETE' : 'WAL'}`);
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

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new ChasquiError('CHASQUI_ERR_STORE_KEY', `a database key is 32 bytes, not ${key.length}`);
}

/** SQLCipher 4 with a raw key (x'…'): no passphrase derivation, the key is already random. */
function cipherPragmas(db: Db, verb: 'key' | 'rekey', key: Buffer): void {
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`${verb} = "x'${key.toString('hex')}'"`);
}

function applyKey(db: Db, key: Buffer, file: string): void {
  checkKey(key);
  cipherPragmas(db, 'key', key);
  checkOpens(db, 'main', file);
}

function checkOpens(db: Db, schema: string, file: string): void {
  try {
    db.prepare(`SELECT count(*) FROM "${schema}".sqlite_master`).get();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw wrongKey(file, err);
    throw err;
  }
}

function wrongKey(file: string, cause: unknown): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_STORE_KEY', `${file} does not open with this key (another key, or not a Chasqui database)`, undefined, { cause });
}

/**
 * Opens an encrypted file as a second schema of the same connection, so one
 * transaction can write to both (atomically, with journal 'delete'). Tables
 * keep their plain names: SQLite looks in main first, then here. Its
 * migrations are run before, on a connection of its own (migrate() finds
 * them here and leaves them be).
 */
export function attachDatabase(db: Db, schema: string, file: string, key: Buffer): void {
  checkKey(key);
  if (!/^[a-z_]+$/.test(schema)) throw new ChasquiError('CHASQUI_ERR_STORE', `schema name "${schema}"`);
  try {
    db.prepare(`SELECT sqlite3mc_config('default:cipher', 'sqlcipher')`).get();
    db.prepare(`SELECT sqlite3mc_config('sqlcipher', 'default:legacy', 4)`).get();
    db.prepare(`ATTACH DATABASE ? AS ${schema} KEY ?`).run(file, `x'${key.toString('hex')}'`);
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw wrongKey(file, err);
    throw fromStoreError(err);
  }
  try {
    checkOpens(db, schema, file);
  } catch (err) {
    db.exec(`DETACH DATABASE ${schema}`);
    throw err;
  }
  db.pragma(`${schema}.journal_mode = ${db.pragma('main.journal_mode', { simple: true }) as string}`);
  db.pragma(`${schema}.synchronous = FULL`);
}

/** The attached schema that already tracks these migrations; main when none does. */
function schemaOf(db: Db, name: string): string {
  const schemas = (db.pragma('database_list') as Array<{ name: string }>).map((d) => d.name).filter((n) => n !== 'main' && n !== 'temp');
  for (const s of schemas) {
    const has = db.prepare(`SELECT 1 FROM "${s}".sqlite_master WHERE type = 'table' AND name = 'schema_versions'`).get();
    if (has && db.prepare(`SELECT 1 FROM "${s}".schema_versions WHERE name = ?`).get(name)) return s;
  }
  return 'main';
}

/** Runs each statement list once, tracked in schema_versions. */
export function migrate(db: Db, name: string, steps: string[]): void {
  const schema = schemaOf(db, name);
  if (schema !== 'main') {
    const at = db.prepare(`SELECT version FROM "${schema}".schema_versions WHERE name = ?`).pluck().get(name) as number;
    // Its own connection ran them already (attachDatabase); DDL here would land in main.
    if (at >= steps.length) return;
    throw new ChasquiError('CHASQUI_ERR_STORE', `${name} in ${schema} is at version ${at} of ${steps.length}: migrate it before attaching`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS main.schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
  const row = db.prepare('SELECT version FROM main.schema_versions WHERE name = ?').get(name) as { version: number } | undefined;
  const from = row?.version ?? 0;
  db.transaction(() => {
    for (let v = from; v < steps.length; v++) db.exec(steps[v]!);
    db.prepare('INSERT INTO main.schema_versions (name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version').run(name, steps.length);
  })();
}

// Every plain SQLite file starts with this header (sqlite.org/fileformat.html §1.3.1); an encrypted one starts with its random salt.
const PLAIN_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether `file` is absent (or empty), a plain SQLite database, or something else: encrypted, for a Chasqui file. */
export function databaseState(file: string): 'absent' | 'plain' | 'encrypted' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw fromStoreError(err);
  }
  try {
    const head = Buffer.alloc(PLAIN_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return 'absent';
    return n === head.length && head.equals(PLAIN_HEADER) ? 'plain' : 'encrypted';
  } finally {
    closeSync(fd);
  }
}

export type EncryptStep = 'copied' | 'encrypted' | 'replaced';

/**
 * Encrypts a plain database under `key`, in place, so that a kill or a power
 * cut at any moment leaves either the old plain file or the new encrypted
 * one, never neither: the rows are copied (VACUUM INTO) to `<file>.encrypting`,
 * that copy is encrypted (PRAGMA rekey, which SQLite3MultipleCiphers does not
 * do in WAL mode, hence a copy in rollback mode), synced, and renamed over the
 * original. A half-made copy from an earlier attempt is thrown away first.
 *
 * The original leaves WAL mode first (checkpoint, journal_mode=DELETE), so
 * no -wal file of plain pages can outlive it beside the encrypted file, and
 * it stays locked until the rename: nobody writes to it after the copy. That
 * fails (CHASQUI_ERR_STORE, busy) while another process has it open. False
 * when another process encrypted it meanwhile. `onStep` lets a test stop
 * the work between steps. The old file's disk blocks are freed, not wiped.
 */
export function encryptInPlace(file: string, key: Buffer, o: { onStep?: (step: EncryptStep) => void } = {}): boolean {
  checkKey(key);
  const tmp = `${file}.encrypting`;
  for (const f of [tmp, `${tmp}-journal`]) rmSync(f, { force: true });
  let src: Db | undefined;
  try {
    src = new Database(file, { fileMustExist: true });
    const ino = statSync(file).ino;
    src.pragma('busy_timeout = 5000');
    if (src.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw new ChasquiError('CHASQUI_ERR_STORE', `${file} could not leave WAL mode`);
    // EXCLUSIVE: the shared lock taken by the first read is kept until close, so no one else commits after the copy.
    src.pragma('locking_mode = EXCLUSIVE');
    src.prepare('SELECT count(*) FROM sqlite_master').get();
    // Another process may have encrypted it and renamed its copy in while this one waited for the lock.
    if (statSync(file).ino !== ino || databaseState(file) !== 'plain') return false;
    src.prepare('VACUUM INTO ?').run(tmp);
    o.onStep?.('copied');
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      cipherPragmas(copy, 'rekey', key);
    } finally {
      copy.close();
    }
    fsyncFile(tmp);
    o.onStep?.('encrypted');
    // The original is in rollback mode now, so these are leftovers: gone before the encrypted file takes the name.
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    renameSync(tmp, file);
    fsyncDirectory(dirname(file));
    o.onStep?.('replaced');
    return true;
  } catch (err) {
    throw fromStoreError(err);
  } finally {
    src?.close();
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
