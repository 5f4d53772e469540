/**
 * Broker passwords as the hub stores them. Only scrypt hashes reach the disk,
 * so a copied hub database does not hand out every post's login. Encoded as
 * `scrypt$N$r$p$saltB64$hashB64` so the cost can be raised later without
 * invalidating hashes already stored.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { ChasquiError } from '../../lib/errors.js';

// 2^14 × 8 costs ~16 MiB and tens of milliseconds: slow for a stolen-database
// attacker, yet cheap enough for a hub appliance handling reconnect storms.
const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds for parameters read back from storage, so a corrupt row cannot make
// one login allocate gigabytes or spin for minutes.
const MAX_LOG2_N = 20;
const MAX_R = 32;
const MAX_P = 16;

type ScryptHash = { N: number; r: number; p: number; salt: Buffer; hash: Buffer };

export function hashPassword(password: string): string {
  // An empty password is always a configuration mistake, never a choice.
  if (password.length === 0) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'a broker password must not be empty');
  const salt = randomBytes(SALT_BYTES);
  const hash = derive(password, { ...COST, salt, hash: Buffer.alloc(KEY_BYTES) });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * False for a wrong password and for an unreadable stored hash alike: this
 * runs inside the broker's login callback, where a throw would take the
 * broker down for every post instead of refusing one login.
 */
export function verifyPassword(password: string, stored: string): boolean {
  const parsed = parse(stored);
  if (!parsed) return false;
  let actual: Buffer;
  try {
    actual = derive(password, parsed);
  } catch {
    return false;
  }
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

/**
 * The same check off the event loop (libuv's thread pool): a stream of wrong
 * passwords must not freeze the hub's ingest for every other post.
 */
export function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return Promise.resolve(false);
  const maxmem = 128 * h.N * h.r * h.p + 32 * 1024 * 1024;
  return new Promise((resolve) => {
    scrypt(password, h.salt, h.hash.length, { N: h.N, r: h.r, p: h.p, maxmem }, (err, actual) => {
      resolve(!err && actual.length === h.hash.length && timingSafeEqual(actual, h.hash));
    });
  });
}

/** 192 random bits, URL- and shell-safe so it survives config files and command lines unquoted. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

function derive(password: string, h: ScryptHash): Buffer {
  const maxmem = 128 * h.N * h.r * h.p + 32 * 1024 * 1024;
  return scryptSync(password, h.salt, h.hash.length, { N: h.N, r: h.r, p: h.p, maxmem });
}

function parse(stored: string): ScryptHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(toInt) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (!isPowerOfTwo(N) || N > 2 ** MAX_LOG2_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  // scrypt output is a prefix-stable stream, so a truncated hash would still verify; refuse anything short.
  if (salt.length === 0 || hash.length < KEY_BYTES) return null;
  return { N, r, p, salt, hash };
}

function toInt(s: string | undefined): number {
  return s !== undefined && /^[0-9]{1,8}$/.test(s) ? Number(s) : -1;
}

function isPowerOfTwo(n: number): boolean {
  return n > 1 && (n & (n - 1)) === 0;
}
