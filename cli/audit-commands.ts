/**
 * `chasqui audit verify FILE`: re-checks the access log's hash chain in a
 * post's or hub's database, or a copy of one (lib/auth/audit-chain.ts), and
 * at a hub also every post's copy. Prints each log's head, to compare with
 * the hub's copy or an earlier printout: a chain cannot show a cut-off tail.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChainProblem, ChainReport } from '../lib/auth/audit-chain.js';
import { AuditLog } from '../lib/auth/audit-log.js';
import { systemClock } from '../lib/clock.js';
import { ChasquiError } from '../lib/errors.js';
import { openDatabase, type Db } from '../lib/sqlite.js';
import { PostAuditStore } from '../hub/audit/post-audit-store.js';

export const AUDIT_HELP = `  chasqui audit verify FILE                    check the access log's hash chain in a post.sqlite or hub.sqlite
                                               (or a copy): names every deleted or edited entry, prints the head
`;

export async function auditCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [sub, file] = positionals;
  if (sub !== 'verify' || !file) throw new ChasquiError('CHASQUI_ERR_USAGE', `chasqui audit verify FILE\n${AUDIT_HELP}`);
  if (!existsSync(file)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no such database: ${file}`);
  const db = openDatabase(file);
  try {
    return verifyAll(db, file);
  } finally {
    db.close();
  }
}

const hasTable = (db: Db, name: string) => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);

function verifyAll(db: Db, file: string): number {
  if (!hasTable(db, 'audit_log')) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `${file} holds no access log`);
  const reports: Array<[string, ChainReport]> = [['this box', new AuditLog(db, systemClock).verify()]];
  if (hasTable(db, 'post_audit')) {
    const copies = new PostAuditStore(db, () => systemClock.now());
    for (const postId of copies.posts()) reports.push([`post ${postId} (copy at the hub)`, copies.chainOf(postId)]);
  }
  for (const [who, r] of reports) process.stdout.write(`${who}: ${describe(r)}\n`);
  const broken = reports.filter(([, r]) => r.problems.length);
  if (!broken.length) return 0;
  const what = broken.map(([who, r]) => `${who}: ${r.problems.map(problemText).join('; ')}`).join(' | ');
  throw new ChasquiError('CHASQUI_ERR_AUDIT_TAMPERED', what);
}

function describe(r: ChainReport): string {
  const old = r.unchained ? ` (${r.unchained} from before the log was chained, not checkable)` : '';
  const head = r.head ? `; head #${r.head.id} ${r.head.hash}` : '';
  return `${r.entries} entries${old}, ${r.problems.length ? `${r.problems.length} problem(s)` : 'chain intact'}${head}`;
}

function problemText(p: ChainProblem): string {
  return p.kind === 'missing' ? `entries #${p.fromId}–#${p.toId} deleted` : `entry #${p.id} edited`;
}
