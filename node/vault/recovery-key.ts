/**
 * The recovery key as a person writes it down: 160 random bits in Crockford
 * base32 (no I, L, O, U: nothing to confuse on paper), eight groups of four.
 * Read back forgivingly: case, spaces, dashes and the look-alikes O→0, I/L→1
 * do not matter, so a key copied by hand at a post still opens it.
 */
import { randomBytes } from 'node:crypto';
import { ChasquiError } from '../../lib/errors.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_KEY_BYTES = 20;

export function newRecoveryKey(): Buffer {
  return randomBytes(RECOVERY_KEY_BYTES);
}

export function formatRecoveryKey(key: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of key) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

export function parseRecoveryKey(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== Math.ceil((RECOVERY_KEY_BYTES * 8) / 5) || /[^0-9A-HJKMNP-TV-Z]/.test(clean)) {
    throw new ChasquiError('CHASQUI_ERR_USAGE', 'that is not a recovery key: eight groups of four letters and digits, as printed at provisioning');
  }
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    value = ((value << 5) | ALPHABET.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
