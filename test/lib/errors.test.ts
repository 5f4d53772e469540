/** Every code in the catalogue is documented in the README, and nothing documented is gone from the code. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, fromStoreError } from '../../lib/errors.js';
import { REPO_ROOT } from '../support/paths.js';

t.test('the README lists exactly the catalogue', async (t) => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const documented = new Set([...readme.matchAll(/`(CHASQUI_ERR_[A-Z_]+)`/g)].map((m) => m[1]));
  t.same([...documented].sort(), Object.keys(ERRORS).sort());
});

t.test('SQLite full-disk errors become CHASQUI_ERR_DISK_FULL', async (t) => {
  t.equal(fromStoreError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })).code, 'CHASQUI_ERR_DISK_FULL');
  t.equal(fromStoreError(new Error('no such table')).code, 'CHASQUI_ERR_STORE');
});
