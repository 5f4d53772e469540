/** Where things are, from the compiled test files in dist/test/…. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export const CLI = join(REPO_ROOT, 'bin/chasqui.js');

export function sharedFile(rel: string): Buffer {
  const p = join(SHARED_DATA, rel);
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (the repository expects ../shared/data beside it)`);
  return readFileSync(p);
}

/** A fresh directory, removed by the returned cleanup. */
export function tempDir(prefix = 'chasqui-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
