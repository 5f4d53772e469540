/**
 * The post's clinical data (patients, cases, photos, ECGs, answers, drafts)
 * lives in clinical.sqlite, encrypted whole under the vault's data key and
 * attached to the post's connection as schema "clinical" once the vault
 * opens. The plain post.sqlite beside it keeps only what must work before a
 * nurse signs in: the relay's queues (bundles already sealed), accounts, key
 * slots, the access log. Both use a rollback journal, so a transaction that
 * touches both (a case queued with its bundle) commits atomically.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { attachDatabase, openDatabase, type Db } from '../../lib/sqlite.js';

export const CLINICAL_FILE = 'clinical.sqlite';
export const CLINICAL_SCHEMA = 'clinical';

/** migrateAll runs every clinical store's migrations on the file's own connection, before it is attached. */
export function attachClinical(db: Db, dataDir: string, dataKey: Buffer, migrateAll: (own: Db) => void): void {
  const file = join(dataDir, CLINICAL_FILE);
  const own = openDatabase(file, { key: dataKey, journal: 'delete' });
  chmodSync(file, 0o600);
  try {
    migrateAll(own);
  } finally {
    own.close();
  }
  attachDatabase(db, CLINICAL_SCHEMA, file, dataKey);
  moveLegacyTables(db);
}

/**
 * A post installed before the vault kept clinical tables in post.sqlite, in
 * the clear. The first opening moves their rows into the encrypted file,
 * drops them, and rewrites post.sqlite so no freed page still holds them.
 */
function moveLegacyTables(db: Db): void {
  const tables = (schema: string) => new Set(db.prepare(`SELECT name FROM "${schema}".sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]);
  const clinical = tables(CLINICAL_SCHEMA);
  clinical.delete('schema_versions');
  const legacy = [...tables('main')].filter((t) => clinical.has(t));
  if (!legacy.length) return;
  const columns = (schema: string, t: string) => (db.pragma(`"${schema}".table_info("${t}")`) as Array<{ name: string }>).map((c) => c.name);
  const names = db.prepare(`SELECT name FROM "${CLINICAL_SCHEMA}".schema_versions`).pluck().all() as string[];
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const t of legacy) {
        const keep = new Set(columns(CLINICAL_SCHEMA, t));
        const cols = columns('main', t).filter((c) => keep.has(c)).map((c) => `"${c}"`).join(', ');
        db.exec(`INSERT OR IGNORE INTO "${CLINICAL_SCHEMA}"."${t}" (${cols}) SELECT ${cols} FROM main."${t}"; DROP TABLE main."${t}";`);
      }
      const forget = db.prepare('DELETE FROM main.schema_versions WHERE name = ?');
      for (const n of names) forget.run(n);
    })();
  } finally {
    db.pragma('foreign_keys = ON');
  }
  db.exec('VACUUM main');
}
