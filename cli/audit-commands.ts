/**
 * `chasqui audit verify FILE [--key-file KEY]`: re-checks the access log's hash chain in a
 * post's or hub's database, or a copy of one (lib/auth/audit-chain.ts), and
 * at a hub also every post's copy. Prints each log's head, to compare with
 * the hub's copy or an earlier printout: a chain cannot show a cut-off tail.
 * An encrypted copy (the hub's hub.sqlite) opens with its key file.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChainProblem, ChainReport } from '../lib/auth/audit-chain.js';
import { AuditLog } from '../lib/auth/audit-log.js';
import { systemClock } from '../lib/clock.js';
import { readDatabaseKey } from '../lib/database-key.js';
import { ChasquiError } from '../lib/errors.js';
import { databaseState, openDatabase, type Db } from '../lib/sqlite.js';
import { PostAuditStore } from '../hub/audit/post-audit-store.js';

export const AUDIT_HELP = `  chasqui audit verify FILE [--key-file KEY]   check the access log's hash chain in a post.sqlite or hub.sqlite
                                               (or a copy): names every deleted or edited entry, prints the head;
                                               an encrypted one opens with its key file (the hub's hub-db.key)
`;

export async function auditCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { 'key-file': { type: 'string' } } });
  const [sub, file] = positionals;
  if (sub !== 'verify' || !file) throw new ChasquiError('CHASQUI_ERR_USAGE', `chasqui audit verify FILE [--key-file KEY]\n${AUDIT_HELP}`);
  if (!existsSync(file)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no such database: ${file}`);
  const keyFile = values['key-file'];
  if (!keyFile && databaseState(file) === 'encrypted') {
    throw new ChasquiError('CHASQUI_ERR_USAGE', `${file} is encrypted: chasqui audit verify ${file} --key-file KEY (the hub's is hub-db.key, see storage.keyFile)`);
  }
  const db = openDatabase(file, keyFile ? { key: readDatabaseKey(keyFile) } : {});
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
