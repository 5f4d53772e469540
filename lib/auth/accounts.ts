/**
 * People who sign in to a Chasqui app, in SQLite: nurses at a post,
 * specialists, operators and admins at the hub. Each app chooses its table,
 * its roles and the data an account carries (the hub: a specialist's
 * specialties). Secrets are scrypt hashes (secret-hash.ts) with the cost kept
 * per row: raising DEFAULT_SCRYPT later rehashes each account at its next
 * good sign-in, without a reset.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ChasquiError } from '../errors.js';
import { migrate, type Db } from '../sqlite.js';
import { DEFAULT_SCRYPT, secretMatches, storeSecret, wasteEqualWork, type ScryptParams } from './secret-hash.js';
import { checkNewUsername, checkSecret, normalizeUsername, type SecretKind } from './secret-policy.js';

/** Who is signed in: every action is done by one of these, and recorded. */
export interface Principal<R extends string = string> {
  id: string;
  username: string;
  displayName: string;
  role: R;
}

export interface Account<R extends string = string, D = unknown> extends Principal<R> {
  secretKind: SecretKind;
  disabled: boolean;
  createdAt: number;
  /** The app's own data for this account (undefined when the app keeps none). */
  data: D;
}

/** One app's kind of account: where it is stored, its roles, and the check of its data. */
export interface AccountKind<R extends string, D> {
  /** The SQLite table; the post keeps the 'nurse_accounts' it has always had. */
  table: string;
  /** The migration name in schema_versions. */
  schema: string;
  roles: readonly R[];
  defaultRole: R;
  /** What one account is called in messages: "nurse account". */
  noun: string;
  /** Checks (and normalises) the data for a role; throws CHASQUI_ERR_BAD_REQUEST with details.rule. */
  checkData(role: R, data: D | undefined): D;
}

export type VerifyResult<R extends string, D> = { ok: true; account: Account<R, D> } | { ok: false; reason: 'unknown' | 'wrong' | 'disabled' };

export type NewAccount<R extends string, D> = { username: string; displayName: string; role?: R; kind: SecretKind; secret: string; data?: D };

type Row = {
  id: string; username: string; display_name: string; role: string; secret_kind: SecretKind;
  hash: string; salt: string; params: string; disabled: number; created_at: number; app_data: string | null;
};

const NAME_RE = /^[a-z][a-zA-Z_]*$/;

/** Step 1 is the post's original table, word for word when the roles are nurse and admin; step 2 adds app data (NULL for rows that had none). */
function migrations(table: string, roles: readonly string[]): string[] {
  for (const n of [table, ...roles]) if (!NAME_RE.test(n)) throw new Error(`"${n}" cannot name an accounts table or role`);
  return [
    `CREATE TABLE ${table} (
     id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN (${roles.map((r) => `'${r}'`).join(', ')})), secret_kind TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
     hash TEXT NOT NULL, salt TEXT NOT NULL, params TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
    `ALTER TABLE ${table} ADD COLUMN app_data TEXT`,
  ];
}

export class Accounts<R extends string, D = undefined> {
  private readonly params: ScryptParams;
  private readonly table: string;

  constructor(private readonly db: Db, private readonly clock: Clock, readonly kind: AccountKind<R, D>, opts: { scrypt?: ScryptParams } = {}) {
    this.params = opts.scrypt ?? DEFAULT_SCRYPT;
    this.table = kind.table;
    migrate(db, kind.schema, migrations(kind.table, kind.roles));
  }

  async create(o: NewAccount<R, D>): Promise<Account<R, D>> {
    const username = normalizeUsername(o.username);
    checkNewUsername(username);
    const displayName = o.displayName.trim();
    if (!displayName) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the full name is missing', { rule: 'nameMissing' });
    const role = this.checkRole(o.role ?? this.kind.defaultRole);
    const data = this.kind.checkData(role, o.data);
    checkSecret(o.kind, o.secret, username);
    if (this.row(username)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the username "${username}" is taken`, { rule: 'usernameTaken' });
    const s = await storeSecret(o.secret, this.params);
    const now = this.clock.now();
    const id = randomUUID();
    this.db.prepare(`INSERT INTO ${this.table} (id, username, display_name, role, secret_kind, hash, salt, params, created_at, updated_at, app_data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, username, displayName, role, o.kind, s.hash, s.salt, s.params, now, now, encode(data));
    return this.get(id)!;
  }

  /**
   * Checks a sign-in. An unknown username costs the same scrypt work as a
   * known one, so response time does not tell an attacker which names exist.
   */
  async verify(username: string, secret: string): Promise<VerifyResult<R, D>> {
    let row: Row | undefined;
    try {
      row = this.row(normalizeUsername(username));
    } catch {
      row = undefined;
    }
    if (!row) {
      await wasteEqualWork(secret, this.params);
      return { ok: false, reason: 'unknown' };
    }
    if (!(await secretMatches(secret, row))) return { ok: false, reason: 'wrong' };
    if (row.disabled) return { ok: false, reason: 'disabled' };
    if (row.params !== JSON.stringify(this.params)) await this.putSecret(row.id, row.secret_kind, secret);
    return { ok: true, account: this.toAccount(row) };
  }

  async resetSecret(username: string, secret: string, kind?: SecretKind): Promise<Account<R, D>> {
    const row = this.mustRow(username);
    const k = kind ?? row.secret_kind;
    checkSecret(k, secret, row.username);
    await this.putSecret(row.id, k, secret);
    return this.get(row.id)!;
  }

  /** Disabling keeps the row: the audit log still names this person. */
  setDisabled(username: string, disabled: boolean): Account<R, D> {
    const row = this.mustRow(username);
    this.db.prepare(`UPDATE ${this.table} SET disabled = ?, updated_at = ? WHERE id = ?`).run(disabled ? 1 : 0, this.clock.now(), row.id);
    return this.get(row.id)!;
  }

  disable(username: string): Account<R, D> {
    return this.setDisabled(username, true);
  }

  /** Replaces the app data, checked against the account's role. */
  setData(username: string, data: D): Account<R, D> {
    const row = this.mustRow(username);
    const checked = this.kind.checkData(row.role as R, data);
    this.db.prepare(`UPDATE ${this.table} SET app_data = ?, updated_at = ? WHERE id = ?`).run(encode(checked), this.clock.now(), row.id);
    return this.get(row.id)!;
  }

  get(id: string): Account<R, D> | undefined {
    const row = this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(id) as Row | undefined;
    return row && this.toAccount(row);
  }

  byUsername(username: string): Account<R, D> | undefined {
    const row = this.row(normalizeUsername(username));
    return row && this.toAccount(row);
  }

  list(): Array<Account<R, D>> {
    return (this.db.prepare(`SELECT * FROM ${this.table} ORDER BY username`).all() as Row[]).map((r) => this.toAccount(r));
  }

  /** The cost parameters stored for an account (to see an upgrade happen). */
  paramsOf(username: string): ScryptParams {
    return JSON.parse(this.mustRow(username).params) as ScryptParams;
  }

  private checkRole(role: string): R {
    if (!(this.kind.roles as readonly string[]).includes(role)) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the role must be one of ${this.kind.roles.join(', ')}`, { rule: 'roleInvalid' });
    }
    return role as R;
  }

  private async putSecret(id: string, kind: SecretKind, secret: string): Promise<void> {
    const s = await storeSecret(secret, this.params);
    this.db.prepare(`UPDATE ${this.table} SET secret_kind = ?, hash = ?, salt = ?, params = ?, updated_at = ? WHERE id = ?`)
      .run(kind, s.hash, s.salt, s.params, this.clock.now(), id);
  }

  private row(username: string): Row | undefined {
    return this.db.prepare(`SELECT * FROM ${this.table} WHERE username = ?`).get(username) as Row | undefined;
  }

  private mustRow(username: string): Row {
    const row = this.row(normalizeUsername(username));
    if (!row) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no ${this.kind.noun} "${username}"`);
    return row;
  }

  private toAccount(row: Row): Account<R, D> {
    return {
      id: row.id, username: row.username, displayName: row.display_name, role: row.role as R,
      secretKind: row.secret_kind, disabled: row.disabled === 1, createdAt: row.created_at,
      data: (row.app_data === null ? undefined : JSON.parse(row.app_data)) as D,
    };
  }
}

function encode(data: unknown): string | null {
  return data === undefined ? null : JSON.stringify(data);
}

/** Just who someone is, without the account's bookkeeping. */
export function principalOf<R extends string>(a: Principal<R>): Principal<R> {
  return { id: a.id, username: a.username, displayName: a.displayName, role: a.role };
}
