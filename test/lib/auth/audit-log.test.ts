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

/** A copy of the database as a thief or a careless admin would edit it: triggers dropped, rows changed by hand. */
function tampered(t: { teardown(fn: () => void): void }) {
  const { db, clock, audit } = setup(t);
  for (let i = 1; i <= 6; i++) {
    clock.ms += 1000;
    audit.record({ actor: 'ana', action: 'patient.view', target: `pat-${i}`, from: '192.168.4.20' });
  }
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
  return { db, audit };
}

t.test('an untouched log verifies, with where from and the outcome kept', async (t) => {
  const { audit } = setup(t);
  audit.record({ actor: 'ana', action: 'patient.view', target: 'pat-1', from: '192.168.4.20' });
  audit.record({ actor: 'beto', action: 'access.denied', target: 'pat-1', from: '192.168.4.21', outcome: 'refused' });
  t.match(audit.list(), [{ actor: 'beto', outcome: 'refused', from: '192.168.4.21' }, { actor: 'ana', outcome: 'allowed', from: '192.168.4.20' }]);
  const report = audit.verify();
  t.same(report.problems, []);
  t.equal(report.entries, 2);
  t.equal(report.head?.id, audit.list()[0]!.id);
  t.same(audit.list({ outcome: 'refused' }).map((e) => e.actor), ['beto']);
});

t.test('verify finds an entry deleted from a copy of the database', async (t) => {
  const { db, audit } = tampered(t);
  db.prepare("DELETE FROM audit_log WHERE target = 'pat-3'").run();
  t.same(audit.verify().problems, [{ kind: 'missing', fromId: 3, toId: 3 }]);
});

t.test('verify finds an entry edited in a copy of the database, and only that one', async (t) => {
  const { db, audit } = tampered(t);
  db.prepare("UPDATE audit_log SET actor = 'nadie' WHERE target = 'pat-4'").run();
  t.same(audit.verify().problems, [{ kind: 'altered', id: 4 }]);
});

t.test('renumbering the rows after a deletion does not hide it', async (t) => {
  const { db, audit } = tampered(t);
  db.prepare('DELETE FROM audit_log WHERE id = 2').run();
  db.prepare('UPDATE audit_log SET id = id - 1 WHERE id > 2').run();
  t.ok(audit.verify().problems.length > 0);
});

t.test('retention removes old entries through a recorded cut; what is left still verifies and new entries chain on', async (t) => {
  const { clock, audit } = setup(t);
  for (let i = 0; i < 5; i++) {
    audit.record({ actor: 'ana', action: 'patient.view', target: `pat-${i}` });
    clock.ms += 86_400_000;
  }
  const before = clock.ms - 2.5 * 86_400_000; // the three oldest
  t.equal(audit.prune(before, 2), 2, 'never past what the hub already holds');
  t.equal(audit.prune(before), 1);
  t.same(audit.list().map((e) => e.target), ['pat-4', 'pat-3']);
  audit.record({ actor: 'ana', action: 'patient.view', target: 'pat-5' });
  t.same(audit.verify().problems, []);
  t.throws(() => (audit as unknown as { db: { prepare(s: string): { run(): void } } }).db.prepare('DELETE FROM audit_log').run(), /append-only/, 'past the cut, deleting is still refused');
});
