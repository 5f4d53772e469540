/**
 * Key slots, the way LUKS and CommCare hold one data key for many people: the
 * post's data key (32 random bytes, never stored in the clear) is wrapped
 * once per nurse under a key derived from her password or PIN (scrypt), and
 * once under the recovery key printed at provisioning. Any one slot opens the
 * data; a wrong secret fails AES-GCM's tag and opens nothing. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { hashSecret, type ScryptParams } from '../../lib/auth/secret-hash.js';

/** What a slot row stores: enough to re-derive the wrapping key, and the wrapped data key. */
export type KeySlot = {
  name: string;
  kdf: 'scrypt' | 'recovery';
  salt: Buffer;
  /** JSON of ScryptParams for 'scrypt'; empty for 'recovery'. */
  params: string;
  iv: Buffer;
  wrapped: Buffer;
  tag: Buffer;
};

export const DATA_KEY_BYTES = 32;

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** A nurse's slot: the wrapping key is scrypt(secret), as slow per guess as her sign-in. */
export async function wrapForSecret(dataKey: Buffer, name: string, secret: string, params: ScryptParams): Promise<KeySlot> {
  const salt = randomBytes(16);
  const kek = await hashSecret(secret, salt, { ...params, keyLen: 32 });
  return seal(dataKey, kek, { name, kdf: 'scrypt', salt, params: JSON.stringify({ ...params, keyLen: 32 }) });
}

/** The recovery slot: the recovery key is 160 random bits, so a fast derivation loses nothing. */
export function wrapForRecovery(dataKey: Buffer, name: string, recoveryKey: Buffer): KeySlot {
  const salt = randomBytes(16);
  return seal(dataKey, recoveryKek(recoveryKey, salt), { name, kdf: 'recovery', salt, params: '' });
}

/** The data key, or undefined when the secret is not this slot's. */
export async function unwrap(slot: KeySlot, secret: string | Buffer): Promise<Buffer | undefined> {
  let kek: Buffer;
  if (slot.kdf === 'recovery') {
    if (!Buffer.isBuffer(secret)) return undefined;
    kek = recoveryKek(secret, slot.salt);
  } else {
    if (typeof secret !== 'string') return undefined;
    kek = await hashSecret(secret, slot.salt, JSON.parse(slot.params) as ScryptParams);
  }
  try {
    const d = createDecipheriv('aes-256-gcm', kek, slot.iv);
    d.setAAD(aad(slot));
    d.setAuthTag(slot.tag);
    return Buffer.concat([d.update(slot.wrapped), d.final()]);
  } catch {
    return undefined;
  }
}

function recoveryKek(recoveryKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', recoveryKey, salt, 'chasqui post recovery slot', 32));
}

function seal(dataKey: Buffer, kek: Buffer, head: Pick<KeySlot, 'name' | 'kdf' | 'salt' | 'params'>): KeySlot {
  const iv = randomBytes(12);
  const partial = { ...head, iv, wrapped: Buffer.alloc(0), tag: Buffer.alloc(0) };
  const c = createCipheriv('aes-256-gcm', kek, iv);
  // The slot's name and derivation are bound to it: a slot copied to another name, or its cost lowered, does not open.
  c.setAAD(aad(partial));
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  return { ...partial, wrapped, tag: c.getAuthTag() };
}

function aad(s: Pick<KeySlot, 'name' | 'kdf' | 'params'>): Buffer {
  return Buffer.from(`chasqui-slot-v1\0${s.name}\0${s.kdf}\0${s.params}`);
}
