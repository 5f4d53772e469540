/**
 * The post's vault: its key slots (node/vault/key-slots.ts) in the post's
 * plain database, and the data key in memory once a slot has been opened.
 * Closed at every start: the data key exists only in the running service,
 * after a nurse (or the recovery key) opened it, so a box stopped and stolen
 * holds the key only wrapped.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import { DEFAULT_SCRYPT, type ScryptParams } from '../../lib/auth/secret-hash.js';
import { newDataKey, unwrap, wrapForRecovery, wrapForSecret, type KeySlot } from './key-slots.js';
import { newRecoveryKey } from './recovery-key.js';
import { newHeldKeyPair } from './held-envelope.js';

export const RECOVERY_SLOT = 'recovery';
export const nurseSlot = (accountId: string): string => `nurse:${accountId}`;

type HeldRow = { public: Buffer; iv: Buffer; wrapped: Buffer; tag: Buffer };
const HELD_AAD = Buffer.from('chasqui-held-key-v1');

type Row = { name: string; kdf: KeySlot['kdf']; salt: Buffer; params: string; iv: Buffer; wrapped: Buffer; tag: Buffer };

export class PostVault {
  private key: Buffer | undefined;
  private readonly opened: Array<(dataKey: Buffer) => void> = [];
  private readonly q;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly scrypt: ScryptParams = DEFAULT_SCRYPT) {
    migrate(db, 'post-vault', [`CREATE TABLE vault_slots (
      name TEXT PRIMARY KEY, kdf TEXT NOT NULL CHECK (kdf IN ('scrypt', 'recovery')), salt BLOB NOT NULL, params TEXT NOT NULL,
      iv BLOB NOT NULL, wrapped BLOB NOT NULL, tag BLOB NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;`,
    `CREATE TABLE vault_held_key (one INTEGER PRIMARY KEY CHECK (one = 1), public BLOB NOT NULL, iv BLOB NOT NULL, wrapped BLOB NOT NULL, tag BLOB NOT NULL);`]);
    this.q = {
      get: db.prepare('SELECT * FROM vault_slots WHERE name = ?'),
      count: db.prepare('SELECT count(*) FROM vault_slots').pluck(),
      names: db.prepare('SELECT name FROM vault_slots ORDER BY name').pluck(),
      put: db.prepare(`INSERT INTO vault_slots (name, kdf, salt, params, iv, wrapped, tag, created_at)
        VALUES (@name, @kdf, @salt, @params, @iv, @wrapped, @tag, @now)
        ON CONFLICT(name) DO UPDATE SET kdf = excluded.kdf, salt = excluded.salt, params = excluded.params,
          iv = excluded.iv, wrapped = excluded.wrapped, tag = excluded.tag, created_at = excluded.created_at`),
      drop: db.prepare('DELETE FROM vault_slots WHERE name = ?'),
      held: db.prepare('SELECT public, iv, wrapped, tag FROM vault_held_key WHERE one = 1'),
      putHeld: db.prepare('INSERT OR IGNORE INTO vault_held_key (one, public, iv, wrapped, tag) VALUES (1, ?, ?, ?, ?)'),
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

  /** The key what arrives while locked is enveloped to (held-envelope.ts); undefined until the vault first opened. */
  heldPublicKey(): Buffer | undefined {
    return (this.q.held.get() as HeldRow | undefined)?.public;
  }

  heldPrivateKey(): Buffer {
    const row = this.q.held.get() as HeldRow | undefined;
    if (!row) throw new ChasquiError('CHASQUI_ERR_STORE', 'the vault has no key for held arrivals');
    const d = createDecipheriv('aes-256-gcm', this.dataKey(), row.iv);
    d.setAAD(HELD_AAD);
    d.setAuthTag(row.tag);
    return Buffer.concat([d.update(row.wrapped), d.final()]);
  }

  removeSlot(slot: string): void {
    if (slot === RECOVERY_SLOT) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'the recovery slot is replaced, never removed');
    this.q.drop.run(slot);
  }

  private ensureHeldKey(dataKey: Buffer): void {
    if (this.q.held.get()) return;
    const pair = newHeldKeyPair();
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', dataKey, iv);
    c.setAAD(HELD_AAD);
    const wrapped = Buffer.concat([c.update(pair.privateDer), c.final()]);
    this.q.putHeld.run(pair.publicDer, iv, wrapped, c.getAuthTag());
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
    this.ensureHeldKey(dataKey);
    for (const fn of this.opened) fn(dataKey);
  }
}
