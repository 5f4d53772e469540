/**
 * Nurse accounts at the post: lib/auth/accounts.ts with the post's roles on
 * the 'nurse_accounts' table it has always had (accounts already on a post
 * keep working; the shared store's second migration only adds a column).
 * Nurses carry no app data.
 */
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/sqlite.js';
import { Accounts, principalOf, type Account, type AccountKind } from '../../lib/auth/accounts.js';
import type { ScryptParams } from '../../lib/auth/secret-hash.js';
import type { SecretKind } from '../../lib/auth/secret-policy.js';
import type { Nurse, NurseRole } from './nurse.js';

export { normalizeUsername, type SecretKind } from '../../lib/auth/secret-policy.js';
export { DEFAULT_SCRYPT, type ScryptParams } from '../../lib/auth/secret-hash.js';

export type NurseAccount = Account<NurseRole, undefined>;

export type VerifyResult = { ok: true; nurse: Nurse } | { ok: false; reason: 'unknown' | 'wrong' | 'disabled' };

export const NURSE_ACCOUNTS: AccountKind<NurseRole, undefined> = {
  table: 'nurse_accounts', schema: 'nurse-accounts', roles: ['nurse', 'admin'], defaultRole: 'nurse', noun: 'nurse account',
  checkData: () => undefined,
};

export class NurseAccounts {
  private readonly store: Accounts<NurseRole, undefined>;

  constructor(db: Db, clock: Clock, opts: { scrypt?: ScryptParams } = {}) {
    this.store = new Accounts(db, clock, NURSE_ACCOUNTS, opts);
  }

  create(o: { username: string; displayName: string; role?: NurseRole; kind: SecretKind; secret: string }): Promise<NurseAccount> {
    return this.store.create(o);
  }

  async verify(username: string, secret: string): Promise<VerifyResult> {
    const r = await this.store.verify(username, secret);
    return r.ok ? { ok: true, nurse: principalOf(r.account) } : r;
  }

  resetSecret(username: string, secret: string, kind?: SecretKind): Promise<NurseAccount> {
    return this.store.resetSecret(username, secret, kind);
  }

  setDisabled(username: string, disabled: boolean): NurseAccount {
    return this.store.setDisabled(username, disabled);
  }

  disable(username: string): NurseAccount {
    return this.store.disable(username);
  }

  get(id: string): NurseAccount | undefined {
    return this.store.get(id);
  }

  byUsername(username: string): NurseAccount | undefined {
    return this.store.byUsername(username);
  }

  list(): NurseAccount[] {
    return this.store.list();
  }

  paramsOf(username: string): ScryptParams {
    return this.store.paramsOf(username);
  }
}
