/** `chasqui post nurse …` in-process, against a post config and database in a temporary directory. */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { nurseCommand } from '../../cli/nurse-commands.js';
import { systemClock } from '../../lib/clock.js';
import { openDatabase } from '../../lib/sqlite.js';
import { AuditLog } from '../../lib/auth/audit-log.js';
import { NurseAccounts } from '../../node/auth/nurse-accounts.js';
import { SessionStore } from '../../node/auth/sessions.js';
import { tempDir } from '../support/paths.js';

function setup(t: { teardown(fn: () => void): void }) {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'post.json');
  writeFileSync(config, JSON.stringify({ postId: 'p1', dataDir: join(dir, 'post'), hub: { password: 'x' } }));
  /** Runs one command with `stdin` piped in; resolves to its exit code and what it printed. */
  const run = async (args: string[], stdin = '') => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
    const code = await nurseCommand([...args, '--config', config], { stdin: Readable.from([stdin]), stdout, stderr, env: {} });
    return { code, out: chunks.join('') };
  };
  /** The post's own view of the database, opened the way the post opens it. */
  const inspect = <R>(fn: (o: { accounts: NurseAccounts; sessions: SessionStore; audit: AuditLog }) => R | Promise<R>): Promise<R> => {
    const db = openDatabase(join(dir, 'post/post.sqlite'));
    return Promise.resolve(fn({ accounts: new NurseAccounts(db, systemClock), sessions: new SessionStore(db, systemClock), audit: new AuditLog(db, systemClock) })).finally(() => db.close());
  };
  return { run, inspect };
}

t.test('add reads the secret from the first line of stdin; list shows the account', async (t) => {
  const { run, inspect } = setup(t);
  const added = await run(['add', 'Ana', '--name', 'Ana Quispe'], 'muña-del-cerro\nthis second line is ignored\n');
  t.equal(added.code, 0);
  t.match(added.out, 'added ana (Ana Quispe), nurse, signs in with a password');
  t.equal((await run(['add', 'jefa', '--name', 'Luz Huamán', '--admin', '--pin'], '570913')).code, 0, 'no newline at the end is fine');
  const listed = await run(['list']);
  t.match(listed.out, /^ana\s+nurse\s+password\s+active\s+Ana Quispe$/m);
  t.match(listed.out, /^jefa\s+admin\s+pin\s+active\s+Luz Huamán$/m);
  await inspect(async ({ accounts, audit }) => {
    t.match(await accounts.verify('ana', 'muña-del-cerro'), { ok: true });
    t.match(audit.list({ action: 'nurse.create' }), [{ actor: 'local-cli', target: 'jefa', detail: { role: 'admin', kind: 'pin' } }, { target: 'ana' }]);
    t.notMatch(JSON.stringify(audit.list()), /muña|570913/, 'no secret in the audit log');
  });
});

t.test('weak or missing secrets are refused with a clear message, and nothing is created', async (t) => {
  const { run, inspect } = setup(t);
  await t.rejects(run(['add', 'rosa', '--name', 'Rosa', '--pin'], '2847\n'), { code: 'CHASQUI_ERR_BAD_REQUEST', message: /at least 6 digits/ });
  await t.rejects(run(['add', 'rosa', '--name', 'Rosa', '--pin'], '123456\n'), { message: /too easy to guess/ });
  await t.rejects(run(['add', 'rosa', '--name', 'Rosa'], 'corto\n'), { message: /at least 8 characters/ });
  await t.rejects(run(['add', 'rosa', '--name', 'Rosa'], ''), { code: 'CHASQUI_ERR_USAGE', message: /no password or PIN on stdin/ });
  await t.rejects(run(['add', 'rosa', 'muña-del-cerro', '--name', 'Rosa']), { code: 'CHASQUI_ERR_USAGE', message: /never from the command line/ });
  await t.rejects(run(['add', 'rosa']), { code: 'CHASQUI_ERR_USAGE', message: /--name/ });
  t.match((await run(['list'])).out, 'no nurse accounts yet');
  await inspect(({ accounts }) => t.equal(accounts.list().length, 0));
});

t.test('disable ends open sessions and refuses sign-in; enable allows it again', async (t) => {
  const { run, inspect } = setup(t);
  await run(['add', 'ana', '--name', 'Ana Quispe'], 'muña-del-cerro\n');
  const token = await inspect(({ accounts, sessions }) => sessions.create(accounts.byUsername('ana')!.id).token);
  const off = await run(['disable', 'ana']);
  t.match(off.out, 'disabled ana (Ana Quispe), nurse, signs in with a password, DISABLED; 1 open session(s) ended');
  t.match((await run(['list'])).out, /^ana\s+nurse\s+password\s+disabled/m);
  await inspect(({ accounts, sessions }) => {
    t.equal(sessions.validate(token), null);
    t.equal(accounts.byUsername('ana')!.disabled, true);
  });
  t.equal((await run(['enable', 'ana'])).code, 0);
  await inspect(({ accounts, audit }) => {
    t.equal(accounts.byUsername('ana')!.disabled, false);
    t.same(audit.list({ target: 'ana' }).map((e) => e.action), ['nurse.enable', 'nurse.disable', 'vault.create', 'nurse.create'], 'the first nurse also made the post\'s data key');
  });
});

t.test('reset sets a new secret, may switch to a PIN, and signs the nurse out', async (t) => {
  const { run, inspect } = setup(t);
  await run(['add', 'ana', '--name', 'Ana Quispe'], 'muña-del-cerro\n');
  const token = await inspect(({ accounts, sessions }) => sessions.create(accounts.byUsername('ana')!.id).token);
  const res = await run(['reset', 'ana', '--pin'], '390182\n');
  t.match(res.out, 'new PIN set for ana (Ana Quispe), nurse, signs in with a PIN; 1 open session(s) ended');
  await inspect(async ({ accounts, sessions }) => {
    t.equal(sessions.validate(token), null);
    t.match(await accounts.verify('ana', '390182'), { ok: true });
  });
  await t.rejects(run(['reset', 'ana'], 'muña-del-cerro\n'), { message: /PIN is digits only/ }, 'the kind stays a PIN');
});

t.test('usage errors and unknown names are refused with what was wrong', async (t) => {
  const { run } = setup(t);
  await t.rejects(run([]), { code: 'CHASQUI_ERR_USAGE', message: /which nurse command/ });
  await t.rejects(run(['fire', 'ana']), { code: 'CHASQUI_ERR_USAGE', message: /unknown nurse command "fire"/ });
  await t.rejects(run(['disable']), { code: 'CHASQUI_ERR_USAGE' });
  await t.rejects(run(['reset', 'ana', '--pin', '--password']), { message: /not both/ });
  await t.rejects(run(['disable', 'nadie']), { code: 'CHASQUI_ERR_NOT_FOUND' });
  await t.rejects(run(['reset', 'nadie'], '390182\n'), { code: 'CHASQUI_ERR_NOT_FOUND' });
  await t.rejects(run(['add', 'local-cli', '--name', 'X'], 'muña-del-cerro\n'), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule: 'usernameReserved' } });
});
