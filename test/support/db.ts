/** A real SQLite file in a fresh folder, closed and removed with the test, and a clock the test moves by hand. */
import { join } from 'node:path';
import { openDatabase, type Db } from '../../lib/sqlite.js';
import { tempDir } from './paths.js';

export type ManualClock = { ms: number; now(): number };

export function testDb(t: { teardown(fn: () => void): void }): { db: Db; dir: string; clock: ManualClock } {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'post.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  return { db, dir, clock: { ms: 1_700_000_000_000, now() { return this.ms; } } };
}
