/**
 * The systemd units are valid (systemd-analyze verify, which also flags unknown keys) and
 * the field scripts are shellcheck-clean and explain themselves with --help.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { FIELD_SCRIPTS, SCRIPTS, runScript, toolMissing } from './script-support.js';

const UNITS = ['chasqui-post.service', 'chasqui-hub.service', 'chasqui-bridge.service'];
const run = promisify(execFile);

/**
 * verify checks that ExecStart's program exists, and it does not on a build box; so each unit
 * is verified inside a temporary root holding stubs of /usr/bin/node and /opt/chasqui/current/bin/chasqui.js and a
 * copy of the system's own units (verify loads sysinit.target and friends from the root).
 */
function verifyRoot(dir: string): string {
  const root = join(dir, 'root');
  for (const f of ['opt/chasqui/current/bin/chasqui.js', 'usr/bin/node']) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), '#!/bin/sh\n');
    chmodSync(join(root, f), 0o755);
  }
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));
  if (systemUnits) cpSync(systemUnits, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  return root;
}

t.test('each unit passes systemd-analyze verify', async (t) => {
  if (toolMissing(t, 'systemd-analyze', 'systemd')) return;
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const root = verifyRoot(dir);
  for (const unit of UNITS) {
    const text = readFileSync(join(REPO_ROOT, 'systemd', unit), 'utf8');
    writeFileSync(join(root, 'etc/systemd/system', unit), text);
    const r = await run('systemd-analyze', ['verify', `--root=${root}`, `/etc/systemd/system/${unit}`]).then(
      (o) => ({ code: 0, stderr: o.stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    t.equal(r.code, 0, `${unit}: ${r.stderr}`);
    t.equal(r.stderr.trim(), '', `${unit}: no warnings (an unknown key is only a warning)`);
  }
  // The check can fail: a misspelt key is reported.
  writeFileSync(join(root, 'etc/systemd/system/broken.service'), '[Service]\nExecStart=/usr/bin/node /opt/chasqui/current/bin/chasqui.js post\nRestartSecs=5\n');
  const broken = await run('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/broken.service']).catch((e: { stderr: string }) => e);
  t.match(broken.stderr, /Unknown key 'RestartSecs'/);
});

t.test('the units hold the hardening and restart policy the field relies on', async (t) => {
  for (const unit of UNITS) {
    const text = readFileSync(join(REPO_ROOT, 'systemd', unit), 'utf8');
    const keys = new Set(text.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => l.trim()));
    for (const k of ['User=chasqui', 'Type=notify', 'NotifyAccess=main', 'WatchdogSec=60s', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes',
      'PrivateTmp=yes', 'CapabilityBoundingSet=', 'StateDirectory=chasqui', 'ReadWritePaths=/var/lib/chasqui', 'MemoryDenyWriteExecute=no',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'SystemCallFilter=@system-service', 'StandardOutput=journal']) {
      t.ok(keys.has(k), `${unit} has ${k}`);
    }
    t.match(text, /^TimeoutStartSec=\d+s$/m, `${unit}: a bound on how long READY=1 may take`);
    const bridge = unit === 'chasqui-bridge.service';
    t.equal(keys.has('PrivateDevices=yes'), !bridge, `${unit}: PrivateDevices only off for the bridge`);
    t.equal(keys.has('DeviceAllow=char-ttyUSB rw') && keys.has('SupplementaryGroups=dialout'), bridge, `${unit}: serial access only for the bridge`);
    // The hub's database key reaches it only as a systemd credential (hub/storage/key-location.ts).
    t.equal(keys.has('LoadCredential=hub-db.key:/etc/chasqui/hub-db.key'), unit === 'chasqui-hub.service', `${unit}: the database key credential only for the hub`);
  }
});

t.test('every field script is shellcheck-clean', async (t) => {
  if (toolMissing(t, 'shellcheck', 'shellcheck')) return;
  const r = await run('shellcheck', ['-x', '-P', 'SCRIPTDIR', ...FIELD_SCRIPTS.map((s) => join(SCRIPTS, s))]).then(
    () => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
  t.equal(r.code, 0, r.stdout);
});

t.test('every script explains itself with --help and refuses unknown options', async (t) => {
  for (const s of FIELD_SCRIPTS.filter((f) => f !== 'lib.sh')) {
    const help = await runScript(s, ['--help']);
    t.equal(help.code, 0, s);
    t.match(help.stdout, /^Usage: scripts\//, `${s} --help`);
    const bad = await runScript(s, ['--frobnicate']);
    t.equal(bad.code, 1, `${s} rejects --frobnicate`);
    t.match(bad.stderr, /unknown option --frobnicate/);
  }
  const noHost = await runScript('post-health.sh', []);
  t.match(noHost.stderr, /--host USER@ADDRESS is required/);
});
