#!/usr/bin/env node
/**
 * npm's `prepare` step (npm ci and npm install run it in the checkout, and
 * npx does when it first runs the checkout's own `chasqui`): builds dist/ so
 * `npx chasqui …` works right after `npm ci`. A release unpacked on a post
 * runs `npm ci --omit=dev`: there is no TypeScript then, and the tarball
 * already holds dist/ (package.json "files"), so there is nothing to do, and
 * failing would fail the install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** dist/ is newer than every TypeScript source and the compiler's settings. */
function upToDate() {
  const out = join(root, 'dist/cli/main.js');
  if (!existsSync(out)) return false;
  const built = statSync(out).mtimeMs;
  const newer = (dir) => readdirSync(dir, { withFileTypes: true }).some((e) => {
    if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'dist') return false;
    const p = join(dir, e.name);
    return e.isDirectory() ? newer(p) : e.name.endsWith('.ts') && statSync(p).mtimeMs > built;
  });
  return statSync(join(root, 'tsconfig.json')).mtimeMs < built && !newer(root);
}
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (!tsc) {
  if (!existsSync(join(root, 'dist/cli/main.js'))) {
    process.stderr.write('chasqui: no TypeScript (installed with --omit=dev?) and no dist/: install with dev dependencies (npm ci) to build\n');
  }
  process.exit(0);
}
// npx runs this again when it first runs the checkout's chasqui: a build that is current is left alone.
if (upToDate()) process.exit(0);
const res = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
process.exit(res.status ?? 1);
