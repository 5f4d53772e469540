/**
 * The post's vault: its key slots (node/vault/key-slots.ts) in the post's
 * plain database, and the data key in memory once a slot has been opened.
 * Closed at every start: the data key exists only in the running service,
 * after a nurse (or the recovery key) opened it, so a box stopped and stolen
 * holds the key only wrapped.
 */
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import { DEFAULT_SCRYPT, type ScryptParams } from '../../lib/auth/secret-hash.js';
import { newDataKey, unwrap, wrapForRecovery, wrapForSecret, type KeySlot } from './key-slots.js';
import { newRecoveryKey } from './recovery-key.js';

export const RECOVERY_SLOT = 'recovery';
export const nurseSlot = (accountId: string): string => `nurse:${accountId}`;

type Row = { name: string; kdf: KeySlot['kdf']; salt: Buffer; params: string; iv: Buffer; wrapped: Buffer; tag: Buffer };

export class PostVault {
  private key: Buffer | undefined;
  private readonly opened: Array<(dataKey: Buffer) => void> = [];
  private readonly q;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly scrypt: ScryptParams = DEFAULT_SCRYPT) {
    migrate(db, 'post-vault', [`CREATE TABLE vault_slots (
      name TEXT PRIMARY KEY, kdf TEXT NOT NULL CHECK (kdf IN ('scrypt', 'recovery')), salt BLOB NOT NULL, params TEXT NOT NULL,
      iv BLOB NOT NULL, wrapped BLOB NOT NULL, tag BLOB NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;`]);
    this.q = {
      get: db.prepare('SELECT * FROM vault_slots WHERE name = ?'),
      count: db.prepare('SELECT count(*) FROM vault_slots').pluck(),
      names: db.prepare('SELECT name FROM vault_slots ORDER BY name').pluck(),
      put: db.prepare(`INSERT INTO vault_slots (name, kdf, salt, params, iv, wrapped, tag, created_at)
        VALUES (@name, @kdf, @salt, @params, @iv, @wrapped, @tag, @now)
        ON CONFLICT(name) DO UPDATE SET kdf = excluded.kdf, salt = excluded.salt, params = excluded.params,
          iv = excluded.iv, wrapped = excluded.wrapped, tag = excluded.tag, created_at = excluded.created_at`),
      drop: db.prepare('DELETE FROM vault_slots WHERE name = ?'),
    };
  }

  /** Whether the post has a data key at all (a new box has none until its first nurse). */
  exists(): boolean {
    return (this.q.count.get() as number) > 0;
  }

  isOpen(): boolean {
    return this.key !== undefined;
  }

  slotNames(): string[] {
    return this.q.names.all() as string[];
  }

  has(name: string): boolean {
    return this.q.get.get(name) !== undefined;
  }

  /** Throws CHASQUI_ERR_LOCKED until a slot was opened in this process. */
  dataKey(): Buffer {
    if (!this.key) throw new ChasquiError('CHASQUI_ERR_LOCKED', 'no nurse has signed in since the post started');
    return this.key;
  }

  /** Called once, with the data key, when the vault opens (now, if it is open already). */
  onOpen(fn: (dataKey: Buffer) => void): void {
    this.opened.push(fn);
    if (this.key) fn(this.key);
  }

  /**
   * The first slot makes the data key, with the recovery slot beside it in one
   * transaction; the recovery key is returned once, to be printed, and never
   * kept. Without `recovery` (a first sign-in in the web app, where nobody
   * could write it down) there is none until `chasqui post recovery-key`.
   */
  async create(slot: string, secret: string, o: { recovery: boolean } = { recovery: true }): Promise<{ recoveryKey: Buffer | undefined }> {
    if (this.exists()) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the post already has its data key');
    const dataKey = newDataKey();
    const recoveryKey = o.recovery ? newRecoveryKey() : undefined;
    const own = await wrapForSecret(dataKey, slot, secret, this.scrypt);
    this.db.transaction(() => {
      if (this.exists()) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the post already has its data key');
      this.write(own);
      if (recoveryKey) this.write(wrapForRecovery(dataKey, RECOVERY_SLOT, recoveryKey));
    })();
    this.becomeOpen(dataKey);
    return { recoveryKey };
  }

  /** Opens the vault with one slot's secret (a password or PIN, or the recovery key's bytes). False when it does not open it. */
  async open(slot: string, secret: string | Buffer): Promise<boolean> {
    const row = this.q.get.get(slot) as Row | undefined;
    if (!row) return false;
    const dataKey = await unwrap(row, secret);
    if (!dataKey) return false;
    this.becomeOpen(dataKey);
    return true;
  }

  /** Wraps the open data key for a slot (a new nurse, a new password); replaces the slot's old wrapping. */
  async setSlot(slot: string, secret: string): Promise<void> {
    const wrapped = await wrapForSecret(this.dataKey(), slot, secret, this.scrypt);
    this.write(wrapped);
  }

  /** A new recovery key, replacing the old one (printed at provisioning, or after the old sheet was lost). */
  newRecovery(): Buffer {
    const recoveryKey = newRecoveryKey();
    this.write(wrapForRecovery(this.dataKey(), RECOVERY_SLOT, recoveryKey));
    return recoveryKey;
  }

  removeSlot(slot: string): void {
    if (slot === RECOVERY_SLOT) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the recovery slot is replaced, never removed');
    this.q.drop.run(slot);
  }

  private write(s: KeySlot): void {
    this.q.put.run({ ...s, now: this.clock.now() });
  }

  private becomeOpen(dataKey: Buffer): void {
    if (this.key) {
      // Every slot wraps the same key; a different one means a slot from another post's database.
      if (!this.key.equals(dataKey)) throw new ChasquiError('CHASQUI_ERR_STORE_KEY', 'a key slot holds another data key than the open one');
      return;
    }
    this.key = dataKey;
    for (const fn of this.opened) fn(dataKey);
  }
}
