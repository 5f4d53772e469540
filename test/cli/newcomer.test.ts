/**
 * A newcomer's first hour, as the README's "Two commands" section tells it:
 * `npm run demo` in a real child process (the npm process itself, as a
 * terminal runs it), then every follow-on command the README shows, exactly
 * as written (only `.demo/` points at this test's folder, and the demo gets
 * free ports), then SIGINT — and, on a second start with --fresh, SIGTERM —
 * to the npm process: every process the demo started must be gone. Photos
 * that reached the demo's hub carry no metadata. A person's mistakes print
 * one line with the error code, never a stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { readDatabaseKey } from '../../lib/database-key.js';
import { openDatabase } from '../../lib/sqlite.js';
import t, { type Test } from 'tap';
import { PHOTO_DEFAULTS } from '../../node/photos/photo-pipeline.js';
import { runCli } from '../support/cli.js';
import { HAS_EXIFTOOL, photoFindings } from '../support/photo-checks.js';
import { REPO_ROOT, SHARED_DATA, tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('CHASQUI_') && !k.startsWith('TAP')));

/** The shell blocks of the README's "Two commands" section: the first is install and test, the rest what to type next. */
function readmeCommands(): { install: string[]; followOn: string[] } {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Two commands'), readme.indexOf('\n## ', readme.indexOf('## Two commands') + 3));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n').map((l) => l.trim()).filter(Boolean));
  return { install: blocks[0] ?? [], followOn: blocks.slice(1).flat() };
}

/** Every process below pid, from /proc (ppid is the 4th field of /proc/PID/stat, after the parenthesised name). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, pp] of parent) if (pp === p) (out.push(pid), walk(pid));
  };
  walk(root);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie has exited; only its parent has not read its status yet.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

type Demo = { npm: ChildProcess; out: () => string; exited: Promise<number | null> };

async function startDemo(t: Test, dir: string, extra: string[] = []): Promise<Demo> {
  const ports = [await freePort(), await freePort(), await freePort()].map(String);
  const args = ['run', 'demo', '--', '--dir', dir, '--http-port', ports[0]!, '--hub-port', ports[1]!, '--bridge-port', ports[2]!, ...extra];
  const npm = spawn('npm', args, { cwd: REPO_ROOT, env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
  t.teardown(() => {
    // Whatever the test did, nothing it started outlives it.
    for (const pid of descendants(npm.pid!)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (npm.exitCode === null) npm.kill('SIGKILL');
  });
  await waitFor(() => out.includes('Ctrl-C stops') || npm.exitCode !== null, { what: 'the demo running', timeoutMs: 180_000, intervalMs: 250 });
  if (npm.exitCode !== null) throw new Error(`the demo exited ${npm.exitCode}:\n${out}`);
  return { npm, out: () => out, exited };
}

/** SIGINT or SIGTERM to the npm process only, as a terminal, systemd or a script would send it. */
async function stopDemo(t: Test, demo: Demo, signal: NodeJS.Signals): Promise<void> {
  const started = descendants(demo.npm.pid!);
  t.ok(started.length >= 2, `the demo runs ${started.length} processes below npm`);
  demo.npm.kill(signal);
  await Promise.race([demo.exited, new Promise((r) => setTimeout(r, 30_000))]);
  t.not(demo.npm.exitCode === null && demo.npm.signalCode === null, true, `npm exited on ${signal}`);
  await waitFor(() => started.every((p) => !alive(p)), { what: 'every process the demo started gone', timeoutMs: 10_000 }).catch(() => undefined);
  const left = started.filter(alive);
  t.same(left, [], `${signal}: no process left (${left.map((p) => `${p} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`).join('; ')})`);
}

async function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', command], { cwd: REPO_ROOT, env: CLEAN_ENV, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** What the command's output must show, by its first words. */
const EXPECT: Array<[RegExp, RegExp]> = [
  [/post status/, /^(?=[\s\S]*^demo-1 )(?=[\s\S]*^demo-2 )(?=[\s\S]*^demo-3 )/m],
  [/post submit/, /^case [\w-]+: (waiting|sending|delivered)/m],
  [/post nurse add rosa/, /^added rosa \(Rosa Huamán\), nurse/m],
  [/post nurse list/, /^rosa\s+nurse\s+password\s+active\s+Rosa Huamán/m],
  [/hub user add dra\.quispe/, /^added dra\.quispe/m],
  [/ecg info .*ludb\/1\.hea/, /unitsPerMv\s+(\S+\s+){11}\S+\s*$/m],
];

t.test('the README\'s demo and every command after it, as written', async (t) => {
  const { dir: tmp, cleanup } = tempDir();
  t.teardown(cleanup);
  const dir = join(tmp, '.demo');
  const { install, followOn } = readmeCommands();
  t.match(install.join('\n'), /npm ci && npm run demo/, 'the README starts with npm ci && npm run demo');
  t.ok(followOn.length >= 5, `${followOn.length} follow-on commands in the README`);

  const demo = await startDemo(t, dir, ['--fresh']);
  t.match(demo.out(), /3 sample cases submitted/);
  for (const line of followOn) {
    const command = line.replaceAll('.demo/', `${dir}/`);
    const res = await sh(command);
    t.equal(res.code, 0, `${line}\n${res.stderr}`);
    t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
    const want = EXPECT.find(([which]) => which.test(line));
    t.ok(want, `the test knows what "${line}" should print`);
    if (want) t.match(res.stdout, want[1], line);
  }

  // The demo's sample photo and the one the README submits, as they reached the hub.
  await waitFor(async () => !/waiting|sending/.test((await runCli(['post', 'status', '--config', join(dir, 'post.json')])).stdout), { what: 'every case delivered', timeoutMs: 60_000, intervalMs: 500 });
  // Encrypted, under the key beside the demo's hub.json.
  const db = openDatabase(join(dir, 'hub', 'hub.sqlite'), { key: readDatabaseKey(join(dir, 'hub-db.key')) });
  const photos = db.prepare(`SELECT a.name, b.data FROM case_attachments a JOIN blobs b ON b.sha256 = a.sha256 WHERE a.media_type LIKE 'image/%'`).all() as Array<{ name: string; data: Buffer }>;
  db.close();
  t.equal(photos.length, 2, 'the sample photo and the submitted one are at the hub');
  for (const p of photos) {
    const f = await photoFindings(p.data);
    t.same(f.parsed, [], `${p.name}: no EXIF, XMP, IPTC or ICC at the hub`);
    if (HAS_EXIFTOOL) t.same(f.exiftool, [], `${p.name}: exiftool finds no tag`);
    t.ok(Math.max(f.width, f.height) <= PHOTO_DEFAULTS.maxLongEdge && p.data.length <= PHOTO_DEFAULTS.maxBytes, `${p.name}: ${f.width}×${f.height}, ${p.data.length} B`);
  }

  await stopDemo(t, demo, 'SIGINT');
  const down = await runCli(['post', 'status', '--config', join(dir, 'post.json')]);
  t.match(down.stderr, /^chasqui: CHASQUI_ERR_NOT_FOUND: .*nothing answers at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): is the service running/, 'a stopped post: one line');

  // Afresh: the account the README added is gone with the old data.
  const again = await startDemo(t, dir, ['--fresh']);
  const list = await runCli(['post', 'nurse', 'list', '--config', join(dir, 'post.json')]);
  t.notMatch(list.stdout, /^rosa /m, '--fresh started from nothing');
  t.match(list.stdout, /^enfermera /m, 'but with the demo account');
  await stopDemo(t, again, 'SIGTERM');
});

t.test('a person\'s mistakes: one line with the code and what to do, a non-zero exit, no stack', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hea = join(SHARED_DATA, 'ecg/mitdb/100s.hea');
  const cases: Array<[string[], RegExp]> = [
    [['ecg', 'encode', hea, join(dir, 'no-such-folder', 'x.cqe')], /^chasqui: CHASQUI_ERR_NOT_FOUND: .*no such file or folder: .*no-such-folder.*create the folder first/],
    [['ecg', 'decode', join(dir, 'missing.cqe'), join(dir, 'out')], /^chasqui: CHASQUI_ERR_NOT_FOUND: /],
    [['ecg', 'info', '--bogus', hea], /^chasqui: CHASQUI_ERR_USAGE: .*'--bogus'.*chasqui --help/],
    [['post', 'nurse', 'list', '--config', join(dir, 'nope.json')], /^chasqui: CHASQUI_ERR_CONFIG: .*nope\.json/],
    [['post', 'status', '--url', 'http://127.0.0.1:9', '--token-file', join(dir, 'none')], /^chasqui: CHASQUI_ERR_AUTH: .*--token-file/],
    [['photo', 'prepare', join(SHARED_DATA, 'photos/canon_hdr_NO.jpg'), join(dir, 'no-such-folder', 'p.jpg')], /^chasqui: CHASQUI_ERR_NOT_FOUND: .*no-such-folder/],
    [['fly'], /^chasqui: CHASQUI_ERR_USAGE: unknown command "fly"/],
  ];
  for (const [args, want] of cases) {
    const res = await runCli(args);
    t.not(res.code, 0, `${args.join(' ')}: non-zero exit`);
    t.match(res.stderr, want, args.join(' '));
    t.equal(res.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
    t.notMatch(res.stderr, /\n\s+at |Error: /, 'no stack trace');
  }
});
