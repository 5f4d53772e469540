/**
 * post.sqlite as every process on the box opens it (the service and the
 * command line alike): a rollback journal, so a transaction that also writes
 * the attached clinical.sqlite commits atomically; freed pages zeroed, so a
 * row moved or deleted leaves nothing readable behind; temporary tables and
 * sorts in memory, never spilled decrypted to /var/tmp.
 */
import { join } from 'node:path';
import { openDatabase, type Db } from '../lib/sqlite.js';

export const POST_DB_FILE = 'post.sqlite';

export function openPostDatabase(dataDir: string, o: { maxPageCount?: number } = {}): Db {
  const db = openDatabase(join(dataDir, POST_DB_FILE), { maxPageCount: o.maxPageCount, journal: 'delete' });
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  return db;
}
