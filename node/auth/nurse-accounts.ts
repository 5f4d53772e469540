/**
 * Nurse accounts at the post, in SQLite. Secrets are hashed with scrypt
 * (RFC 7914) through node:crypto's async form, which runs in libuv's thread
 * pool so the event loop keeps serving the other nurse while one signs in.
 * Each row keeps its own salt and cost parameters: raising DEFAULT_SCRYPT
 * later rehashes each account at its next good sign-in, without a reset.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import type { Nurse } from './nurse.js';
import { checkNewUsername, checkSecret, normalizeUsername, type SecretKind } from './secret-policy.js';

export { normalizeUsername, type SecretKind } from './secret-policy.js';

export type ScryptParams = { N: number; r: number; p: number; keyLen: number };

/**
 * OWASP's password storage cheat sheet lists N=2^15, r=8, p=3 as equal in
 * strength to its N=2^17, p=1 baseline, but needs 32 MiB instead of 128 MiB:
 * the post is an old laptop or a mini-PC. About 0.45 s per hash on one core.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3, keyLen: 32 };

export interface NurseAccount extends Nurse {
  secretKind: SecretKind;
  disabled: boolean;
  createdAt: number;
}

export type VerifyResult = { ok: true; nurse: Nurse } | { ok: false; reason: 'unknown' | 'wrong' | 'disabled' };

type Row = {
  id: string; username: string; display_name: string; role: 'nurse' | 'admin'; secret_kind: SecretKind;
  hash: string; salt: string; params: string; disabled: number; created_at: number;
};

const MIGRATIONS = [
  `CREATE TABLE nurse_accounts (
     id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('nurse', 'admin')), secret_kind TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
     hash TEXT NOT NULL, salt TEXT NOT NULL, params TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
];

function hashSecret(secret: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // maxmem: node's 32 MiB default is just below what N=2^15, r=8 needs (128·N·r plus working space).
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r };
  return new Promise((resolve, reject) => scrypt(secret.normalize('NFC'), salt, p.keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export class NurseAccounts {
  private readonly params: ScryptParams;

  constructor(private readonly db: Db, private readonly clock: Clock, opts: { scrypt?: ScryptParams } = {}) {
    this.params = opts.scrypt ?? DEFAULT_SCRYPT;
    migrate(db, 'nurse-accounts', MIGRATIONS);
  }

  async create(o: { username: string; displayName: string; role?: 'nurse' | 'admin'; kind: SecretKind; secret: string }): Promise<NurseAccount> {
    const username = normalizeUsername(o.username);
    checkNewUsername(username);
    const displayName = o.displayName.trim();
    if (!displayName) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the full name is missing', { rule: 'nameMissing' });
    checkSecret(o.kind, o.secret, username);
    if (this.row(username)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the username "${username}" is taken`, { rule: 'usernameTaken' });
    const salt = randomBytes(16);
    const hash = await hashSecret(o.secret, salt, this.params);
    const now = this.clock.now();
    const id = randomUUID();
    this.db.prepare(`INSERT INTO nurse_accounts (id, username, display_name, role, secret_kind, hash, salt, params, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, username, displayName, o.role ?? 'nurse', o.kind, hash.toString('base64'), salt.toString('base64'), JSON.stringify(this.params), now, now);
    return this.get(id)!;
  }

  /**
   * Checks a sign-in. An unknown username costs the same scrypt work as a
   * known one, so response time does not tell an attacker which names exist.
   */
  async verify(username: string, secret: string): Promise<VerifyResult> {
    let row: Row | undefined;
    try {
      row = this.row(normalizeUsername(username));
    } catch {
      row = undefined;
    }
    if (!row) {
      await hashSecret(secret, randomBytes(16), this.params);
      return { ok: false, reason: 'unknown' };
    }
    const params = JSON.parse(row.params) as ScryptParams;
    const expected = Buffer.from(row.hash, 'base64');
    const got = await hashSecret(secret, Buffer.from(row.salt, 'base64'), params);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: 'wrong' };
    if (row.disabled) return { ok: false, reason: 'disabled' };
    if (JSON.stringify(params) !== JSON.stringify(this.params)) await this.storeSecret(row.id, row.secret_kind, secret);
    return { ok: true, nurse: toNurse(row) };
  }

  async resetSecret(username: string, secret: string, kind?: SecretKind): Promise<NurseAccount> {
    const row = this.mustRow(username);
    const k = kind ?? row.secret_kind;
    checkSecret(k, secret, row.username);
    await this.storeSecret(row.id, k, secret);
    return this.get(row.id)!;
  }

  /** Disabling keeps the row: the audit log still names this nurse. */
  setDisabled(username: string, disabled: boolean): NurseAccount {
    const row = this.mustRow(username);
    this.db.prepare('UPDATE nurse_accounts SET disabled = ?, updated_at = ? WHERE id = ?').run(disabled ? 1 : 0, this.clock.now(), row.id);
    return this.get(row.id)!;
  }

  disable(username: string): NurseAccount {
    return this.setDisabled(username, true);
  }

  get(id: string): NurseAccount | undefined {
    const row = this.db.prepare('SELECT * FROM nurse_accounts WHERE id = ?').get(id) as Row | undefined;
    return row && toAccount(row);
  }

  byUsername(username: string): NurseAccount | undefined {
    const row = this.row(normalizeUsername(username));
    return row && toAccount(row);
  }

  list(): NurseAccount[] {
    return (this.db.prepare('SELECT * FROM nurse_accounts ORDER BY username').all() as Row[]).map(toAccount);
  }

  /** The cost parameters stored for an account (to see an upgrade happen). */
  paramsOf(username: string): ScryptParams {
    return JSON.parse(this.mustRow(username).params) as ScryptParams;
  }

  private async storeSecret(id: string, kind: SecretKind, secret: string): Promise<void> {
    const salt = randomBytes(16);
    const hash = await hashSecret(secret, salt, this.params);
    this.db.prepare('UPDATE nurse_accounts SET secret_kind = ?, hash = ?, salt = ?, params = ?, updated_at = ? WHERE id = ?')
      .run(kind, hash.toString('base64'), salt.toString('base64'), JSON.stringify(this.params), this.clock.now(), id);
  }

  private row(username: string): Row | undefined {
    return this.db.prepare('SELECT * FROM nurse_accounts WHERE username = ?').get(username) as Row | undefined;
  }

  private mustRow(username: string): Row {
    const row = this.row(normalizeUsername(username));
    if (!row) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no nurse account "${username}"`);
    return row;
  }
}

function toNurse(row: Row): Nurse {
  return { id: row.id, username: row.username, displayName: row.display_name, role: row.role };
}

function toAccount(row: Row): NurseAccount {
  return { ...toNurse(row), secretKind: row.secret_kind, disabled: row.disabled === 1, createdAt: row.created_at };
}
