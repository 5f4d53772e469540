/**
 * Two promises of the vault with the real pieces: a post killed by a power
 * cut (SIGKILL of its own process) forwards its queue when it comes back,
 * before anyone signs in; and when every password is lost, the recovery key
 * printed at provisioning gives the data back, through the command line.
 */
import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nurseCommand } from '../../../cli/nurse-commands.js';
import { buildPost } from '../../../node/post.js';
import { apiAuth } from '../../support/api-auth.js';
import { quietLogger } from '../../support/logger.js';
import { tempDir } from '../../support/paths.js';
import { freePort } from '../../support/ports.js';
import { PostProcess } from '../../support/post-process.js';
import { sampleCase, submitBody } from '../../support/sample-cases.js';
import { TEST_SCRYPT, enrolPost, postConfig, startHub } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

t.test('after a power cut the queue leaves before anyone signs in', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const brokerPort = await freePort();
  let hub = await startHub({ dir, broker: { port: brokerPort } });
  const { password, hubIdentity } = enrolPost(hub, dir, 'posta-lock');
  await hub.stop();
  const config = postConfig({ dir, postId: 'posta-lock', url: hub.brokerUrl(), password, hubIdentity });
  const post = new PostProcess({ ...config, http: { ...config.http, host: '127.0.0.1', port: await freePort() } }, dir);
  t.teardown(() => post.kill());
  await post.addNurse('rosa', 'ucayali-2026');
  await post.start();
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${post.url}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', ...apiAuth(config.dataDir) }, body: submitBody(sampleCase(i)) });
    t.equal(res.status, 201, `case ${i} queued while the hub is down`);
  }
  await post.kill();
  await post.start({ signIn: false });
  const health = await (await fetch(`${post.url}/healthz`)).json() as { locked: boolean; queued: number };
  t.ok(health.locked, 'back, locked');
  t.ok(health.queued >= 3, `with its queue (${health.queued}: the three cases and the access log's bundles)`);
  hub = await startHub({ dir, broker: { port: brokerPort } });
  t.teardown(() => hub.stop());
  await waitFor(() => hub.cases.count() === 3 || undefined, { what: 'the three cases at the hub, nobody signed in', timeoutMs: 30_000 });
  const after = await (await fetch(`${post.url}/healthz`)).json() as { locked: boolean };
  t.ok(after.locked, 'still locked: forwarding needed no nurse');
});

function io(lines: string[]) {
  let out = '';
  return {
    io: {
      stdin: Readable.from([lines.map((l) => `${l}\n`).join('')]),
      stdout: new Writable({ write(c, _e, cb) { out += String(c); cb(); } }),
      stderr: new Writable({ write(_c, _e, cb) { cb(); } }),
      env: {},
    },
    out: () => out,
  };
}

t.test('every password lost: the recovery key opens the data again, nothing else does', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = postConfig({ dir, postId: 'posta-rec', url: 'mqtt://127.0.0.1:1', password: 'x' });
  const configFile = join(dir, 'post.json');
  writeFileSync(configFile, JSON.stringify(config));
  const nurse = (args: string[], lines: string[]) => {
    const o = io(lines);
    return nurseCommand([...args, '--config', configFile], o.io).then((code) => ({ code, out: o.out() }));
  };
  const added = await nurse(['add', 'rosa', '--name', 'Rosa Huamán'], ['clave-olvidada-1']);
  const key = /RECOVERY KEY[^\n]*\n\n\s+([0-9A-Z-]{39})\n/.exec(added.out)?.[1];
  t.ok(key, 'the first nurse printed the recovery key');

  const post = buildPost({ config, logger: quietLogger(), scrypt: TEST_SCRYPT });
  t.teardown(() => post.stop());
  t.ok(await post.openWith('rosa', 'clave-olvidada-1'));
  const p = post.patients.create({ names: 'Teodoro', surnames: 'Ahuanari Sinarahua', docKind: 'DNI', docNumber: '43219876', birthDate: null, estimatedAgeYears: 60, sex: 'M', community: 'Masisea', phone: null }, 'rosa', new Date());
  await post.stop();

  // Forgotten: the engineer sets a new password without the recovery key, which cannot open the data.
  t.equal((await nurse(['reset', 'rosa'], ['clave-nueva-22'])).code, 0);
  const locked = buildPost({ config, logger: quietLogger(), scrypt: TEST_SCRYPT });
  t.notOk(await locked.openWith('rosa', 'clave-nueva-22'), 'a reset alone does not open the data');
  await locked.stop();
  await t.rejects(nurse(['reset', 'rosa', '--recovery'], ['clave-nueva-33', 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789']), { code: 'CHASQUI_ERR_AUTH' }, 'another recovery key');
  const reset = await nurse(['reset', 'rosa', '--recovery'], ['clave-nueva-33', key!.toLowerCase().replace(/-/g, ' ')]);
  t.equal(reset.code, 0, 'the recovery key, copied by hand');

  const back = buildPost({ config, logger: quietLogger(), scrypt: TEST_SCRYPT });
  t.teardown(() => back.stop());
  t.ok(await back.openWith('rosa', 'clave-nueva-33'), 'the new password opens the data');
  t.equal(back.patients.get(p.ok ? p.patient.id : '')?.surnames, 'Ahuanari Sinarahua', 'everything as before');

  const fresh = await nurse(['recovery-key', 'rosa'], ['clave-nueva-33']);
  const second = /RECOVERY KEY[^\n]*\n\n\s+([0-9A-Z-]{39})\n/.exec(fresh.out)?.[1];
  t.ok(second && second !== key, 'a new recovery key');
  await t.rejects(nurse(['reset', 'rosa', '--recovery'], ['clave-nueva-44', key!]), { code: 'CHASQUI_ERR_AUTH' }, 'the old one no longer opens it');
});
