/**
 * An envelope for what arrives while the post is locked. Bundles come sealed
 * to the post's identity key, and that key must stay usable without a nurse
 * (it signs the relay's statuses), so a thief with the disk would hold it
 * too. Each held bundle is therefore sealed once more, to a key pair whose
 * private half is wrapped under the vault's data key: X25519 with a fresh
 * ephemeral key per bundle, HKDF-SHA256, AES-256-GCM. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

export type HeldKeyPair = { publicDer: Buffer; privateDer: Buffer };

const INFO = Buffer.from('chasqui held arrival v1');

export function newHeldKeyPair(): HeldKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicDer: publicKey.export({ type: 'spki', format: 'der' }), privateDer: privateKey.export({ type: 'pkcs8', format: 'der' }) };
}

/** [32-byte ephemeral public key][12-byte iv][16-byte tag][ciphertext]. */
export function envelope(publicDer: Buffer, bytes: Buffer): Buffer {
  const eph = generateKeyPairSync('x25519');
  const ephRaw = rawPublic(eph.publicKey);
  const key = derive(diffieHellman({ privateKey: eph.privateKey, publicKey: createPublicKey({ key: publicDer, format: 'der', type: 'spki' }) }), ephRaw);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(bytes), c.final()]);
  return Buffer.concat([ephRaw, iv, c.getAuthTag(), body]);
}

/** Throws when the envelope was altered or is not for this key. */
export function openEnvelope(privateDer: Buffer, sealed: Buffer): Buffer {
  const ephRaw = sealed.subarray(0, 32);
  const priv = createPrivateKey({ key: privateDer, format: 'der', type: 'pkcs8' });
  const ephPub = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, ephRaw]), format: 'der', type: 'spki' });
  const key = derive(diffieHellman({ privateKey: priv, publicKey: ephPub }), ephRaw);
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(32, 44));
  d.setAuthTag(sealed.subarray(44, 60));
  return Buffer.concat([d.update(sealed.subarray(60)), d.final()]);
}

// The fixed DER header of an X25519 SubjectPublicKeyInfo (RFC 8410): the raw 32 bytes follow it.
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function rawPublic(k: KeyObject): Buffer {
  return k.export({ type: 'spki', format: 'der' }).subarray(X25519_SPKI_PREFIX.length);
}

function derive(shared: Buffer, ephRaw: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, ephRaw, INFO, 32));
}
