/**
 * The posts this hub serves and their broker credentials. Passwords are kept
 * only as hashes: scrypt for the embedded broker, and mosquitto's own PBKDF2
 * line for an external Mosquitto (written out by `chasqui hub mosquitto-files`).
 */
import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import { ChasquiError } from '../../lib/errors.js';
import { formatPublicIdentity, parsePublicIdentity, type PublicIdentity } from '../../protocol/identity.js';
import { isValidPostId } from '../../protocol/topics.js';
import { generatePassword, hashPassword, verifyPasswordAsync } from '../broker/credentials.js';
import { mosquittoPasswdLine } from '../broker/mosquitto-files.js';

/** The hub's own broker account (and the post peer name "hub") must never be a post, or the ACL patterns would give it a post's rights. */
const RESERVED = /^(hub|chasqui-.*)$/;

export type PostEntry = { postId: string; name: string; createdAt: string };

const MIGRATIONS = [
  `CREATE TABLE posts (
     post_id TEXT PRIMARY KEY, name TEXT NOT NULL, password_hash TEXT NOT NULL,
     mosquitto_line TEXT NOT NULL, created_at TEXT NOT NULL);`,
  // The post's public keys (protocol/identity.ts), exchanged at provisioning: its bundles must be signed with them.
  `ALTER TABLE posts ADD COLUMN identity TEXT;`,
];

export class PostRegistry {
  private readonly q;
  /**
   * scrypt is deliberately slow; a post reconnecting every few seconds over a
   * flaky link should not pay it each time. Keyed by the stored hash, read
   * afresh on every login, so a password changed by `chasqui hub add-post` in
   * another process takes effect at once.
   */
  private readonly verified = new Map<string, string>();
  /** Posts are never unregistered, so a yes can be remembered; a no is asked again (add-post may run meanwhile). */
  private readonly known = new Set<string>();
  private readonly parsed = new Map<string, { line: string; id: PublicIdentity }>();

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    migrate(db, 'hub-posts', MIGRATIONS);
    this.q = {
      insert: db.prepare('INSERT INTO posts (post_id, name, password_hash, mosquitto_line, created_at) VALUES (?, ?, ?, ?, ?)'),
      rotate: db.prepare('UPDATE posts SET password_hash = ?, mosquitto_line = ? WHERE post_id = ?'),
      get: db.prepare('SELECT password_hash AS hash FROM posts WHERE post_id = ?').pluck(),
      exists: db.prepare('SELECT 1 FROM posts WHERE post_id = ?').pluck(),
      list: db.prepare('SELECT post_id AS postId, name, created_at AS createdAt FROM posts ORDER BY post_id'),
      lines: db.prepare('SELECT mosquitto_line FROM posts ORDER BY post_id').pluck(),
      identity: db.prepare('SELECT identity FROM posts WHERE post_id = ?').pluck(),
      setIdentity: db.prepare('UPDATE posts SET identity = ? WHERE post_id = ?'),
    };
  }

  /** Registers a post, or gives an existing one a new password; returns the password once, in clear. */
  register(postId: string, name = postId, password = generatePassword()): string {
    if (!isValidPostId(postId) || RESERVED.test(postId)) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `post id "${postId}" must be lowercase letters, digits and dashes, and not "hub" or "chasqui-…"`);
    }
    const hash = hashPassword(password);
    const line = mosquittoPasswdLine(postId, password);
    if (this.isKnown(postId)) this.q.rotate.run(hash, line, postId);
    else this.q.insert.run(postId, name, hash, line, new Date(this.clock.now()).toISOString());
    return password;
  }

  /** Asked for every message the hub receives; the database is read only for ids not yet seen. */
  isKnown(postId: string): boolean {
    if (this.known.has(postId)) return true;
    const found = this.q.exists.get(postId) !== undefined;
    if (found) this.known.add(postId);
    return found;
  }

  /** Records the post's public keys (one line from `chasqui post identity`); they must name this post. */
  setIdentity(postId: string, line: string): PublicIdentity {
    const id = parsePublicIdentity(line);
    if (id.name !== postId) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `those keys belong to "${id.name}", not "${postId}"`);
    if (!this.isKnown(postId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `post ${postId} is not registered`);
    this.q.setIdentity.run(formatPublicIdentity(id), postId);
    return id;
  }

  /**
   * Read on every bundle and every terminal status, so keys set or removed by
   * the command line in another process count at once; parsing is cached by the line.
   */
  identityOf(postId: string): PublicIdentity | undefined {
    const line = this.q.identity.get(postId) as string | null | undefined;
    if (!line) return undefined;
    const cached = this.parsed.get(postId);
    if (cached?.line === line) return cached.id;
    const id = parsePublicIdentity(line);
    this.parsed.set(postId, { line, id });
    return id;
  }

  async verify(postId: string, password: string): Promise<boolean> {
    const stored = this.q.get.get(postId) as string | undefined;
    if (stored === undefined) return false;
    const digest = createHash('sha256').update(stored).update('\0').update(password).digest('hex');
    if (this.verified.get(postId) === digest) return true;
    const ok = await verifyPasswordAsync(password, stored);
    if (ok) this.verified.set(postId, digest);
    return ok;
  }

  list(): PostEntry[] {
    return this.q.list.all() as PostEntry[];
  }

  mosquittoLines(): string[] {
    return this.q.lines.all() as string[];
  }
}
