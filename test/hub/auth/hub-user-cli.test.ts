/** `chasqui hub user …` in-process, against a hub config and database in a temporary directory. */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { hubUserCommand, HUB_USER_HELP } from '../../../cli/hub-user-commands.js';
import { systemClock } from '../../../lib/clock.js';
import { loadHubSetup, openHubDb } from '../../../cli/hub-setup.js';
import { AuditLog } from '../../../lib/auth/audit-log.js';
import { SessionStore } from '../../../lib/auth/sessions.js';
import { HUB_SESSIONS, openHubAccounts, type HubAccounts } from '../../../hub/auth/hub-accounts.js';
import { tempDir } from '../../support/paths.js';

function setup(t: { teardown(fn: () => void): void }) {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const run = async (args: string[], stdin = '') => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
    const code = await hubUserCommand([...args, '--config', config], { stdin: Readable.from([stdin]), stdout, stderr: new PassThrough(), env: {} });
    return { code, out: chunks.join('') };
  };
  /** The hub's own view of the database, opened the way the hub opens it (with the key beside the config). */
  const inspect = <R>(fn: (o: { accounts: HubAccounts; sessions: SessionStore; audit: AuditLog }) => R | Promise<R>): Promise<R> => {
    const db = openHubDb(loadHubSetup(config, {}));
    const o = { accounts: openHubAccounts(db, systemClock), sessions: new SessionStore(db, systemClock, HUB_SESSIONS), audit: new AuditLog(db, systemClock) };
    return Promise.resolve(fn(o)).finally(() => db.close());
  };
  return { run, inspect };
}

t.test('add a specialist with two specialties and an operator; list shows them', async (t) => {
  const { run, inspect } = setup(t);
  const added = await run(['add', 'Dra.Flores', '--name', 'Dra. Rosa Flores', '--role', 'specialist', '--specialty', 'dermatology, cardiology'], 'corazon-andino-7\nignored\n');
  t.equal(added.code, 0);
  t.match(added.out, 'added dra.flores (Dra. Rosa Flores), specialist (cardiology, dermatology), signs in with a password');
  t.equal((await run(['add', 'oper', '--name', 'Óscar Ríos', '--role', 'operator', '--pin'], '570913')).code, 0);
  const listed = await run(['list']);
  t.match(listed.out, /^dra\.flores\s+specialist\s+active\s+Dra\. Rosa Flores — cardiology, dermatology$/m);
  t.match(listed.out, /^oper\s+operator\s+active\s+Óscar Ríos$/m);
  await inspect(async ({ accounts, audit }) => {
    t.match(await accounts.verify('dra.flores', 'corazon-andino-7'), { ok: true, account: { role: 'specialist', data: { specialties: ['cardiology', 'dermatology'] } } });
    t.match(audit.list({ action: 'hubUser.create' }), [
      { actor: 'local-cli', target: 'oper', detail: { role: 'operator', specialties: [], kind: 'pin' } },
      { actor: 'local-cli', target: 'dra.flores', detail: { role: 'specialist', specialties: ['cardiology', 'dermatology'] } },
    ]);
    t.notMatch(JSON.stringify(audit.list()), /corazon|570913/, 'no secret in the audit log');
  });
});

t.test('roles and specialties are checked before a secret is read; nothing is created', async (t) => {
  const { run, inspect } = setup(t);
  // Empty stdin: had the secret been asked for, the refusal would be "no password or PIN on stdin".
  await t.rejects(run(['add', 'dr.paz', '--name', 'Dr. Paz', '--role', 'specialist']), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule: 'specialtyMissing' } });
  await t.rejects(run(['add', 'dr.paz', '--name', 'Dr. Paz', '--role', 'specialist', '--specialty', 'neurology']), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule: 'specialtyUnknown' } });
  await t.rejects(run(['add', 'oper', '--name', 'Óscar', '--role', 'operator', '--specialty', 'cardiology']), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { rule: 'specialtyNotSpecialist' } });
  await t.rejects(run(['add', 'dr.paz', '--name', 'Dr. Paz', '--role', 'nurse']), { code: 'CHASQUI_ERR_USAGE', message: /--role specialist\|operator\|admin/ });
  await t.rejects(run(['add', 'dr.paz', '--role', 'admin']), { code: 'CHASQUI_ERR_USAGE', message: /--name/ });
  await t.rejects(run(['add', 'dr.paz', 'secreto-largo', '--name', 'X', '--role', 'admin']), { code: 'CHASQUI_ERR_USAGE', message: /never from the command line/ });
  await t.rejects(run(['add', 'jefe', '--name', 'Julia', '--role', 'admin'], 'corto\n'), { message: /at least 8 characters/ });
  await t.rejects(run([]), { code: 'CHASQUI_ERR_USAGE', message: /which hub user command/ });
  await t.rejects(run(['fire', 'x']), { code: 'CHASQUI_ERR_USAGE', message: /unknown hub user command "fire"/ });
  await t.rejects(run(['disable', 'nadie']), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.match((await run(['list'])).out, 'no hub accounts yet');
  await inspect(({ accounts }) => t.equal(accounts.list().length, 0));
  t.match(HUB_USER_HELP, 'chasqui hub user add USERNAME');
});

t.test('disable ends open sessions and refuses sign-in; enable allows it again', async (t) => {
  const { run, inspect } = setup(t);
  await run(['add', 'jefe', '--name', 'Julia Admin', '--role', 'admin'], 'registro-seguro\n');
  const token = await inspect(({ accounts, sessions }) => sessions.create(accounts.byUsername('jefe')!.id).token);
  const off = await run(['disable', 'jefe']);
  t.match(off.out, 'disabled jefe (Julia Admin), admin, signs in with a password, DISABLED; 1 open session(s) ended');
  await inspect(async ({ accounts, sessions }) => {
    t.equal(sessions.validate(token), null);
    t.same(await accounts.verify('jefe', 'registro-seguro'), { ok: false, reason: 'disabled' });
  });
  t.equal((await run(['enable', 'jefe'])).code, 0);
  await inspect(({ audit }) => t.same(audit.list({ target: 'jefe' }).map((e) => e.action), ['hubUser.enable', 'hubUser.disable', 'hubUser.create']));
});
