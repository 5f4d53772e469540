/**
 * post.sqlite as every process on the box opens it (the service and the
 * command line alike): a rollback journal, so a transaction that also writes
 * the attached clinical.sqlite commits atomically; freed pages zeroed, so a
 * row moved or deleted leaves nothing readable behind; temporary tables and
 * sorts in memory, never spilled decrypted to /var/tmp; mode 0600.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../lib/sqlite.js';

export const POST_DB_FILE = 'post.sqlite';

export function openPostDatabase(dataDir: string, o: { maxPageCount?: number } = {}): Db {
  const file = join(dataDir, POST_DB_FILE);
  const db = openDatabase(file, { maxPageCount: o.maxPageCount, journal: 'delete' });
  // The service's alone, outside systemd's UMask too (SQLite gives its journals the same mode).
  chmodSync(file, 0o600);
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  return db;
}
