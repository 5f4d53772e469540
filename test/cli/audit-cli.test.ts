/** `chasqui audit verify` in its own process, on a real database and on copies edited by hand. */
import t from 'tap';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../../lib/auth/audit-log.js';
import { loadOrCreateDatabaseKey } from '../../lib/database-key.js';
import { databaseState, openDatabase } from '../../lib/sqlite.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';

function aLog(file: string): void {
  const db = openDatabase(file);
  const audit = new AuditLog(db, { now: () => 1_000 });
  for (let i = 1; i <= 6; i++) audit.record({ actor: 'rosa', action: 'patient.view', target: `pat-${i}`, from: '192.168.4.20' });
  db.close();
}

function edit(file: string, sql: string): void {
  const db = openDatabase(file);
  db.exec(`DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; ${sql}`);
  db.close();
}

t.test('an intact log verifies and prints its head; a copy with an entry deleted and one edited names both', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const file = join(dir, 'post.sqlite');
  aLog(file);
  const ok = await runCli(['audit', 'verify', file]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /this box: 6 entries, chain intact; head #6 [0-9a-f]{64}/);

  const copy = join(dir, 'copia.sqlite');
  copyFileSync(file, copy);
  edit(copy, "DELETE FROM audit_log WHERE target = 'pat-3'; UPDATE audit_log SET actor = 'nadie' WHERE target = 'pat-5'");
  const bad = await runCli(['audit', 'verify', copy]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /CHASQUI_ERR_AUDIT_TAMPERED.*entries #3–#3 deleted; entry #5 edited/);
  t.equal((await runCli(['audit', 'verify', file])).code, 0, 'the original is untouched');
});

t.test('a file that is not there, or holds no log, is a clear error', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  t.match((await runCli(['audit', 'verify', join(dir, 'nada.sqlite')])).stderr, /CHASQUI_ERR_NOT_FOUND: .*no such database/);
  const empty = join(dir, 'vacio.sqlite');
  openDatabase(empty).close();
  t.match((await runCli(['audit', 'verify', empty])).stderr, /CHASQUI_ERR_NOT_FOUND: .*holds no access log/);
  t.match((await runCli(['audit'])).stderr, /CHASQUI_ERR_USAGE/);
});

t.test('an encrypted copy (the hub\'s) verifies with --key-file, and says it needs one without', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const keyFile = join(dir, 'hub-db.key');
  const key = loadOrCreateDatabaseKey(keyFile).key;
  const file = join(dir, 'hub.sqlite');
  const db = openDatabase(file, { key });
  const audit = new AuditLog(db, { now: () => 1_000 });
  for (let i = 1; i <= 4; i++) audit.record({ actor: 'dra.quispe', action: 'case.view', target: `case-${i}`, from: '10.0.0.9' });
  db.close();
  t.equal(databaseState(file), 'encrypted');
  const copy = join(dir, 'copia.sqlite');
  copyFileSync(file, copy);
  const ok = await runCli(['audit', 'verify', copy, '--key-file', keyFile]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /this box: 4 entries, chain intact; head #4 [0-9a-f]{64}/);
  const keyless = await runCli(['audit', 'verify', copy]);
  t.match(keyless.stderr, /CHASQUI_ERR_USAGE: .*copia\.sqlite is encrypted: .*--key-file/);
  const other = join(dir, 'otra.key');
  loadOrCreateDatabaseKey(other);
  t.match((await runCli(['audit', 'verify', copy, '--key-file', other])).stderr, /CHASQUI_ERR_STORE_KEY/);
  const edited = openDatabase(copy, { key });
  edited.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE target = 'case-2'");
  edited.close();
  const bad = await runCli(['audit', 'verify', copy, '--key-file', keyFile]);
  t.match(bad.stderr, /CHASQUI_ERR_AUDIT_TAMPERED.*entries #2–#2 deleted/);
});
