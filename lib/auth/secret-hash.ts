/**
 * Secrets are hashed with scrypt (RFC 7914) through node:crypto's async form,
 * which runs in libuv's thread pool so the event loop keeps serving others
 * while one person signs in. Each stored hash keeps its own salt and cost.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export type ScryptParams = { N: number; r: number; p: number; keyLen: number };

/**
 * OWASP's password storage cheat sheet lists N=2^15, r=8, p=3 as equal in
 * strength to its N=2^17, p=1 baseline, but needs 32 MiB instead of 128 MiB:
 * a post is an old laptop or a mini-PC. About 0.45 s per hash on one core.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3, keyLen: 32 };

export type StoredSecret = { hash: string; salt: string; params: string };

export function hashSecret(secret: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // maxmem: node's 32 MiB default is just below what N=2^15, r=8 needs (128·N·r plus working space).
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r };
  return new Promise((resolve, reject) => scrypt(secret.normalize('NFC'), salt, p.keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A fresh salt and hash, as the accounts table stores them. */
export async function storeSecret(secret: string, p: ScryptParams): Promise<StoredSecret> {
  const salt = randomBytes(16);
  const hash = await hashSecret(secret, salt, p);
  return { hash: hash.toString('base64'), salt: salt.toString('base64'), params: JSON.stringify(p) };
}

/** Constant-time comparison against a stored hash, with the parameters it was made with. */
export async function secretMatches(secret: string, stored: StoredSecret): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const got = await hashSecret(secret, Buffer.from(stored.salt, 'base64'), JSON.parse(stored.params) as ScryptParams);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The same work as a real check, for a name that has no account: timing must not tell which names exist. */
export async function wasteEqualWork(secret: string, p: ScryptParams): Promise<void> {
  await hashSecret(secret, randomBytes(16), p);
}
