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
import type { PostLogin } from '../broker/broker-login.js';
import { generatePassword, hashPassword, verifyPasswordAsync } from '../broker/credentials.js';
import { mosquittoPasswdLine } from '../broker/mosquitto-files.js';

/** The hub's own broker account (and the post peer name "hub") must never be a post, or the ACL patterns would give it a post's rights. */
const RESERVED = /^(hub|chasqui-.*)$/;

export type PostEntry = { postId: string; name: string; createdAt: string; revokedAt: string | null };


const MIGRATIONS = [
  `CREATE TABLE posts (
     post_id TEXT PRIMARY KEY, name TEXT NOT NULL, password_hash TEXT NOT NULL,
     mosquitto_line TEXT NOT NULL, created_at TEXT NOT NULL);`,
  // The post's public keys (protocol/identity.ts), exchanged at provisioning: its bundles must be signed with them.
  `ALTER TABLE posts ADD COLUMN identity TEXT;`,
  // A revoked post keeps its row, so the cases it already delivered still name a post the hub knows.
  `ALTER TABLE posts ADD COLUMN revoked_at TEXT;`,
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
  /** Live posts seen; emptied for a post whose credential changes (credentialChanges()). */
  private readonly known = new Set<string>();
  private readonly parsed = new Map<string, { line: string; id: PublicIdentity }>();
  /** Each post's credential as last seen, to tell which ones another process re-keyed or revoked. */
  private snapshot: Map<string, { sig: string; revoked: boolean }>;
  private seenVersion: number;
  /** Re-keyed or revoked through this very registry (same connection: data_version does not move). */
  private readonly changedHere = new Set<string>();

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    migrate(db, 'hub-posts', MIGRATIONS);
    this.q = {
      insert: db.prepare('INSERT INTO posts (post_id, name, password_hash, mosquitto_line, created_at) VALUES (?, ?, ?, ?, ?)'),
      rotate: db.prepare('UPDATE posts SET password_hash = ?, mosquitto_line = ?, revoked_at = NULL WHERE post_id = ?'),
      // The credential and the keys go; the row stays, marked, for the history of what this post sent.
      revoke: db.prepare(`UPDATE posts SET password_hash = '', mosquitto_line = '', revoked_at = ?, identity = NULL WHERE post_id = ?`),
      get: db.prepare('SELECT password_hash AS hash, revoked_at AS revokedAt FROM posts WHERE post_id = ?'),
      list: db.prepare('SELECT post_id AS postId, name, created_at AS createdAt, revoked_at AS revokedAt FROM posts ORDER BY post_id'),
      lines: db.prepare('SELECT mosquitto_line FROM posts WHERE revoked_at IS NULL ORDER BY post_id').pluck(),
      credentials: db.prepare("SELECT post_id AS postId, password_hash || '|' || COALESCE(revoked_at, '') AS sig, revoked_at IS NOT NULL AS revoked FROM posts"),
      // Changes only when another connection (another process: the CLI) commits; costs no disk read.
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      identity: db.prepare('SELECT identity FROM posts WHERE post_id = ?').pluck(),
      setIdentity: db.prepare('UPDATE posts SET identity = ? WHERE post_id = ?'),
    };
    this.seenVersion = this.q.dataVersion.get() as number;
    this.snapshot = this.readCredentials();
  }

  /**
   * Registers a post, or gives an existing one a new password; returns the
   * password once, in clear. A revoked id is only registered again with
   * `reinstate` (`chasqui hub add-post ID --reinstate`): a typo must not bring
   * a stolen box's id back to life.
   */
  register(postId: string, name = postId, password = generatePassword(), opts: { reinstate?: boolean } = {}): string {
    if (!isValidPostId(postId) || RESERVED.test(postId)) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `post id "${postId}" must be lowercase letters, digits and dashes, and not "hub" or "chasqui-…"`);
    }
    const row = this.row(postId);
    if (row?.revokedAt && !opts.reinstate) {
      throw new ChasquiError('CHASQUI_ERR_POST_REVOKED', `post "${postId}" was revoked at ${row.revokedAt}; register it again only with --reinstate`);
    }
    const hash = hashPassword(password);
    const line = mosquittoPasswdLine(postId, password);
    if (row) {
      this.q.rotate.run(hash, line, postId);
      this.changedHere.add(postId);
    } else {
      this.q.insert.run(postId, name, hash, line, new Date(this.clock.now()).toISOString());
    }
    return password;
  }

  /**
   * Removes the post's credential and keys and marks it revoked; its cases
   * stay. Returns when it was revoked (the first time, if it already was).
   */
  revoke(postId: string): { revokedAt: string; already: boolean } {
    const row = this.row(postId);
    if (!row) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no post "${postId}"`);
    if (row.revokedAt) return { revokedAt: row.revokedAt, already: true };
    const revokedAt = new Date(this.clock.now()).toISOString();
    this.q.revoke.run(revokedAt, postId);
    this.known.delete(postId);
    this.verified.delete(postId);
    this.changedHere.add(postId);
    return { revokedAt, already: false };
  }

  /** Asked for every message the hub receives; the database is read only for ids not yet seen. */
  isKnown(postId: string): boolean {
    if (this.known.has(postId)) return true;
    const row = this.row(postId);
    const live = row !== undefined && !row.revokedAt;
    if (live) this.known.add(postId);
    return live;
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

  isRevoked(postId: string): boolean {
    return Boolean(this.row(postId)?.revokedAt);
  }

  /**
   * The cheap half of a login: true only if this exact password was verified
   * against the hash stored now. No scrypt, so the broker can answer a known
   * post at once even while its address is throttled.
   */
  verifyCached(postId: string, password: string): boolean {
    const row = this.row(postId);
    return row !== undefined && !row.revokedAt && this.verified.get(postId) === digest(row.hash, password);
  }

  async verify(postId: string, password: string): Promise<PostLogin> {
    const row = this.row(postId);
    if (!row) return 'unknown';
    if (row.revokedAt) return 'revoked';
    const d = digest(row.hash, password);
    if (this.verified.get(postId) === d) return 'ok';
    const ok = await verifyPasswordAsync(password, row.hash);
    // Read again: a revocation or re-key committed while scrypt ran must win over the old hash.
    const now = this.row(postId);
    if (!now || now.revokedAt) return 'revoked';
    if (!ok || now.hash !== row.hash) return 'wrong';
    this.verified.set(postId, d);
    return 'ok';
  }

  /**
   * Post ids whose credential changed (added, re-keyed, revoked, reinstated) since
   * the last call, here or in another process. Cheap enough to poll: unless
   * another connection has committed, it reads one counter and no table.
   */
  credentialChanges(): string[] {
    const version = this.q.dataVersion.get() as number;
    if (version === this.seenVersion && this.changedHere.size === 0) return [];
    this.seenVersion = version;
    const now = this.readCredentials();
    // A post new since the last look has had no session to cut, unless it was revoked already.
    const changed = [...now]
      .filter(([id, c]) => (this.snapshot.has(id) ? this.snapshot.get(id)!.sig !== c.sig : c.revoked))
      .map(([id]) => id);
    for (const id of this.changedHere) if (!changed.includes(id)) changed.push(id);
    this.changedHere.clear();
    this.snapshot = now;
    for (const id of changed) {
      this.known.delete(id);
      this.verified.delete(id);
    }
    return changed;
  }

  list(): PostEntry[] {
    return this.q.list.all() as PostEntry[];
  }

  mosquittoLines(): string[] {
    return this.q.lines.all() as string[];
  }

  private row(postId: string): { hash: string; revokedAt: string | null } | undefined {
    return this.q.get.get(postId) as { hash: string; revokedAt: string | null } | undefined;
  }

  private readCredentials(): Map<string, { sig: string; revoked: boolean }> {
    const rows = this.q.credentials.all() as Array<{ postId: string; sig: string; revoked: number }>;
    return new Map(rows.map((r) => [r.postId, { sig: r.sig, revoked: r.revoked === 1 }]));
  }
}

function digest(stored: string, password: string): string {
  return createHash('sha256').update(stored).update('\0').update(password).digest('hex');
}
