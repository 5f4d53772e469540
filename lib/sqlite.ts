/**
 * Opens a SQLite database the way every Chasqui store needs it: WAL so readers
 * never block the writer, synchronous=FULL so a commit survives a power cut
 * (posts run on batteries and solar), and a busy timeout for the odd
 * concurrent CLI. Migrations are idempotent DDL, applied in order.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromStoreError } from './errors.js';

export type Db = Database.Database;

export function openDatabase(file: string, opts: { maxPageCount?: number } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  try {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // A test can cap the file size to make SQLite report a full disk honestly.
    if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    return db;
  } catch (err) {
    throw fromStoreError(err);
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
