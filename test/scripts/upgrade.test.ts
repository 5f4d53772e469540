/**
 * upgrade-post.sh, post-health.sh and collect-logs.sh in --local mode against a fake
 * release layout in a temporary folder: a good upgrade switches `current`, a release that
 * never answers /healthz is rolled back to the previous one, and the health report and the
 * log bundle say what is going on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/paths.js';
import { waitFor } from '../support/wait.js';
import { someHubIdentity } from '../support/stack.js';
import { fakeRelease, runScript } from './script-support.js';

async function layout(dir: string) {
  const port = await freePort();
  const env = {
    CHASQUI_PREFIX: join(dir, 'opt'), CHASQUI_ETC: join(dir, 'etc'), CHASQUI_STATE: join(dir, 'state'),
    // Stands in for `systemctl restart`: stop the running release, start whatever `current` is now.
    CHASQUI_RESTART_CMD: `bash ${join(dir, 'restart.sh')}`,
  };
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'state'), { recursive: true });
  mkdirSync(join(dir, 'opt/releases/1.0.0'), { recursive: true });
  writeFileSync(join(dir, 'etc/post.json'), JSON.stringify({ postId: 'yarinacocha-1', hub: { url: 'mqtt://127.0.0.1:1', password: 'hunter2-secret', identity: someHubIdentity() }, http: { port } }));
  writeFileSync(join(dir, 'restart.sh'), [
    `pidfile=${join(dir, 'pid')}`,
    'if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi',
    `nohup ${process.execPath} ${join(dir, 'opt/current/bin/chasqui.js')} post --config ${join(dir, 'etc/post.json')} >>${join(dir, 'post.log')} 2>&1 &`,
    'echo $! > "$pidfile"',
  ].join('\n'));
  execFileSync('tar', ['-xzf', fakeRelease(dir, '1.0.0', true), '-C', join(dir, 'opt/releases/1.0.0'), '--strip-components=1']);
  symlinkSync(join(dir, 'opt/releases/1.0.0'), join(dir, 'opt/current'));
  execFileSync('bash', [join(dir, 'restart.sh')]);
  const healthz = `http://127.0.0.1:${port}/healthz`;
  const version = async () => fetch(healthz).then(async (r) => ((await r.json()) as { version: string }).version).catch(() => undefined);
  await waitFor(version, { what: 'release 1.0.0 up' });
  return { env, version, current: () => readlinkSync(join(dir, 'opt/current')) };
}

function stop(dir: string) {
  const pidfile = join(dir, 'pid');
  if (existsSync(pidfile)) try { process.kill(Number(readFileSync(pidfile, 'utf8'))); } catch { /* already gone */ }
}

t.test('a good release becomes current; one that never answers /healthz is rolled back', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(() => { stop(dir); cleanup(); });
  const post = await layout(dir);

  const good = await runScript('upgrade-post.sh', ['--local', '--tarball', fakeRelease(dir, '1.1.0', true), '--timeout', '10'], post.env);
  t.equal(good.code, 0, good.stderr);
  t.equal(post.current(), join(dir, 'opt/releases/1.1.0'));
  t.equal(await post.version(), '1.1.0');
  t.match(good.stderr, /switching current: 1\.0\.0 -> 1\.1\.0/);

  const bad = await runScript('upgrade-post.sh', ['--local', '--tarball', fakeRelease(dir, '2.0.0', false), '--timeout', '2'], post.env);
  t.equal(bad.code, 3, 'exit 3: rolled back');
  t.match(bad.stderr, /not healthy within 2s: rolling back to 1\.1\.0/);
  t.match(bad.stderr, /ROLLED BACK/);
  t.equal(post.current(), join(dir, 'opt/releases/1.1.0'), 'current points at the previous release again');
  t.equal(await post.version(), '1.1.0', 'and the previous release answers');
  t.ok(existsSync(join(dir, 'opt/releases/2.0.0/bin/chasqui.js')), 'the failed release stays on disk to look at');

  const again = await runScript('upgrade-post.sh', ['--local', '--tarball', fakeRelease(dir, '1.1.0', true), '--timeout', '2'], post.env);
  t.equal(again.code, 1, 'upgrading to the running release is refused');
  t.match(again.stderr, /1\.1\.0 is already the current release/);
});

t.test('post-health reports healthy, then unhealthy with a non-zero exit when the post is down', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(() => { stop(dir); cleanup(); });
  const post = await layout(dir);
  const up = await runScript('post-health.sh', ['--local'], post.env);
  t.equal(up.code, 0, up.stdout + up.stderr);
  t.match(up.stdout, /== healthz/);
  t.match(up.stdout, /"version": "1\.0\.0"/);
  t.match(up.stdout, /current: .*releases\/1\.0\.0/);
  t.match(up.stdout, /== disk ==/);
  t.match(up.stdout, /HEALTHY$/m);

  stop(dir);
  await waitFor(async () => (await post.version()) === undefined, { what: 'post down' });
  const down = await runScript('post-health.sh', ['--local'], post.env);
  t.equal(down.code, 2);
  t.match(down.stdout, /UNHEALTHY: \/healthz does not answer/);
  t.match(down.stdout, /^UNHEALTHY$/m);
});

t.test('collect-logs bundles config with secrets masked, healthz and versions', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(() => { stop(dir); cleanup(); });
  const post = await layout(dir);
  const out = join(dir, 'logs.tar.gz');
  const r = await runScript('collect-logs.sh', ['--local', '--days', '2', '--out', out], post.env);
  t.equal(r.code, 0, r.stderr);
  const files = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' });
  for (const f of ['./journal.txt', './config/post.json', './healthz.json', './versions.txt']) t.match(files, f);
  const read = (f: string) => execFileSync('tar', ['-xzOf', out, f], { encoding: 'utf8' });
  const config = JSON.parse(read('./config/post.json')) as { hub: { password: string; url: string } };
  t.equal(config.hub.password, '***');
  t.equal(config.hub.url, 'mqtt://127.0.0.1:1', 'the rest is kept');
  t.notMatch(files + read('./config/post.json'), /hunter2/);
  t.match(read('./healthz.json'), /"ok":true/);
  t.match(read('./versions.txt'), /current: .*1\.0\.0/);
});
