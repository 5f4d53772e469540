/** The audit log on a real SQLite file: append-only, secrets scrubbed, filters for the admin page. */
import t from 'tap';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import { AuditLog } from '../../../lib/auth/audit-log.js';
import { testDb } from '../../support/db.js';
import { tempDir } from '../../support/paths.js';

function setup(t: { teardown(fn: () => void): void }) {
  const { db, clock } = testDb(t);
  return { db, clock, audit: new AuditLog(db, clock) };
}

t.test('entries come back newest first with time, actor, action, target and detail', async (t) => {
  const { clock, audit } = setup(t);
  audit.record({ actor: 'ana', action: 'session.signIn' });
  clock.ms += 1000;
  audit.record({ actor: 'ana', action: 'patient.view', target: 'pat-1', detail: { fields: ['dni'] } });
  const list = audit.list();
  t.equal(list.length, 2);
  t.match(list[0], { actor: 'ana', action: 'patient.view', target: 'pat-1', detail: { fields: ['dni'] }, at: clock.ms });
  t.same(list[1], { id: list[1]!.id, at: clock.ms - 1000, actor: 'ana', action: 'session.signIn', outcome: 'allowed' }, 'no target or detail when none was given');
});

t.test('the table refuses UPDATE and DELETE, even from SQL', async (t) => {
  const { db, audit } = setup(t);
  audit.record({ actor: 'ana', action: 'patient.view', target: 'pat-1' });
  t.throws(() => db.prepare("UPDATE audit_log SET actor = 'otra'").run(), /append-only/);
  t.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only/);
  t.equal(audit.list()[0]!.actor, 'ana');
});

t.test('secret-looking keys are replaced at any depth before storing', async (t) => {
  const { db, audit } = setup(t);
  audit.record({
    actor: 'local-cli', action: 'nurse.create', target: 'rosa',
    detail: { password: 'muña-1234', nested: { pin: '284719', apiToken: 'abc', ok: 'kept' }, list: [{ secret: 's3' }], clave: 'x', role: 'nurse' },
  });
  const stored = (db.prepare('SELECT detail FROM audit_log').get() as { detail: string }).detail;
  for (const s of ['muña-1234', '284719', 'abc', 's3', '"x"']) t.notMatch(stored, s);
  t.same(audit.list()[0]!.detail, {
    password: '[redacted]', nested: { pin: '[redacted]', apiToken: '[redacted]', ok: 'kept' }, list: [{ secret: '[redacted]' }], clave: '[redacted]', role: 'nurse',
  });
});

t.test('filters by nurse, by target and by action; pages with beforeId; distinct actors', async (t) => {
  const { audit } = setup(t);
  for (let i = 0; i < 10; i++) audit.record({ actor: i % 2 ? 'ana' : 'rosa', action: i % 3 ? 'patient.view' : 'case.send', target: `pat-${i % 4}` });
  t.equal(audit.list({ actor: 'ana' }).length, 5);
  t.ok(audit.list({ actor: 'ana' }).every((e) => e.actor === 'ana'));
  t.same(audit.list({ target: 'pat-1' }).map((e) => e.target), ['pat-1', 'pat-1', 'pat-1']);
  t.same(audit.list({ actor: 'rosa', target: 'pat-0' }).map((e) => e.actor), ['rosa', 'rosa', 'rosa']);
  t.equal(audit.list({ action: 'case.send' }).length, 4);
  const first = audit.list({ limit: 4 });
  const next = audit.list({ limit: 4, beforeId: first[3]!.id });
  t.equal(next.length, 4);
  t.ok(next[0]!.id < first[3]!.id, 'the next page is older');
  t.same(audit.actors(), ['ana', 'rosa']);
  t.equal(audit.list({ actor: '' }).length, 10, 'an empty filter is no filter');
});

t.test('the log survives reopening the database', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const clock = { now: () => 5 };
  const db1 = openDatabase(join(dir, 'post.sqlite'));
  new AuditLog(db1, clock).record({ actor: 'ana', action: 'patient.view', target: 'pat-9' });
  db1.close();
  const db2 = openDatabase(join(dir, 'post.sqlite'));
  t.teardown(() => db2.close());
  t.match(new AuditLog(db2, clock).list(), [{ actor: 'ana', target: 'pat-9', at: 5 }]);
});
