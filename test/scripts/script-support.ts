/** Runs the field scripts (scripts/*.sh) and builds fake releases for them to install. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

export const SCRIPTS = join(REPO_ROOT, 'scripts');
export const FIELD_SCRIPTS = ['lib.sh', 'provision-post.sh', 'upgrade-post.sh', 'post-health.sh', 'collect-logs.sh'];

export type Run = { code: number; stdout: string; stderr: string };

export function runScript(name: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CHASQUI_')));
  return new Promise((resolve) => {
    execFile('bash', [join(SCRIPTS, name), ...args], { env: { ...clean, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Is a command on PATH? Tests that need it skip without it, except under CI=true where they fail. */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function toolMissing(t: { skip: (...a: never[]) => unknown; fail: (...a: never[]) => unknown }, cmd: string, pkg: string): boolean {
  if (hasCommand(cmd)) return false;
  if (process.env.CI === 'true') (t.fail as (m: string) => unknown)(`${cmd} is required under CI (apt-get install -y ${pkg})`);
  else (t.skip as (m: string) => unknown)(`${cmd} not installed (apt-get install -y ${pkg})`);
  return true;
}

/**
 * An `npm pack`-shaped tarball (everything under package/) of a stand-in release: its
 * bin/chasqui.js serves /healthz with its version on the config's http.port, or, when
 * `healthy` is false, exits at once, like a release that crashes on start.
 */
export function fakeRelease(dir: string, version: string, healthy: boolean): string {
  const pkg = join(dir, `src-${version}`, 'package');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'chasqui', version, private: true }));
  writeFileSync(join(pkg, 'package-lock.json'), JSON.stringify({ name: 'chasqui', version, lockfileVersion: 3, requires: true, packages: { '': { name: 'chasqui', version } } }));
  writeFileSync(join(pkg, 'server.mjs'), [
    "import { createServer } from 'node:http'; import { readFileSync } from 'node:fs';",
    "const config = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));",
    `createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ ok: true, version: '${version}', connected: true, queued: 0 })); }).listen(config.http.port, '127.0.0.1');`,
  ].join('\n'));
  writeFileSync(join(pkg, 'bin', 'chasqui.js'), healthy ? "import '../server.mjs';\n" : "console.error('cannot start'); process.exit(1);\n");
  const tgz = join(dir, `chasqui-${version}.tgz`);
  execFileSync('tar', ['-czf', tgz, '-C', join(dir, `src-${version}`), 'package']);
  return tgz;
}
