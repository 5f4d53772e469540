/**
 * The key a database is encrypted under (lib/sqlite.ts), kept in a file of
 * its own: 32 random bytes written as 64 hexadecimal digits and a newline, so
 * an administrator can also keep it on paper or in a password manager.
 *
 * The file is refused rather than repaired when something is off: a key that
 * was readable by others may already have been copied (someone must decide),
 * and a missing key beside an encrypted database is never replaced by a new
 * one, which would open nothing and look like the data had been lost.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ChasquiError } from './errors.js';
import { createPrivateFileIfAbsent } from './private-file.js';

export const DATABASE_KEY_BYTES = 32;

export type KeyFileOptions = {
  /**
   * Check that only the owner may read the file (default true). Off for a
   * file whose access someone else guards: systemd grants a service its
   * credentials through an ACL, which shows as group-read in the mode bits.
   */
  checkMode?: boolean;
};

/** Reads a key file; CHASQUI_ERR_KEY_FILE when it is missing, readable by group or others, or not a key. */
export function readDatabaseKey(file: string, o: KeyFileOptions = {}): Buffer {
  let text: string;
  try {
    if (o.checkMode !== false) {
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o077) {
        throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file} has mode 0${mode.toString(8)}: others may have read the key; check who could, then chmod 600 ${file}`);
      }
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ChasquiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read by this user' : (err as Error).message;
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file} ${why}`, { file }, { cause: err });
  }
  const hex = text.trim();
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== DATABASE_KEY_BYTES * 2) {
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file} is not a database key (64 hexadecimal digits, 32 bytes; it holds ${text.length} characters)`, { file });
  }
  return Buffer.from(hex, 'hex');
}

export type EnsureKeyOptions = {
  /**
   * The database the key opens, when it exists encrypted: then a missing key
   * file is an error that says where the key belongs, never a new key.
   */
  encryptedDatabase?: string;
  /** May a missing key file be made here (false for a read-only place such as systemd's credentials). */
  create?: boolean;
  /** What to do when the file is missing and may not be made here. */
  createHint?: string;
};

/**
 * Makes a new random key file (0600, its new folders 0700, written whole or
 * not at all) when there is none and nothing depends on it; true when it made
 * it. An existing file is left alone, unread.
 */
export function ensureDatabaseKeyFile(file: string, o: EnsureKeyOptions = {}): boolean {
  if (exists(file)) return false;
  if (o.encryptedDatabase) {
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE',
      `${file} does not exist, and ${o.encryptedDatabase} is encrypted under the key it held: a new key would not open it. ` +
      'Restore the key file from its backup (kept apart from the data\'s), mode 0600, then start again', { file, database: o.encryptedDatabase });
  }
  if (o.create === false) {
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file} does not exist and is not made here${o.createHint ? `: ${o.createHint}` : ''}`, { file });
  }
  try {
    return createPrivateFileIfAbsent(file, `${randomBytes(DATABASE_KEY_BYTES).toString('hex')}\n`);
  } catch (err) {
    const denied = (err as NodeJS.ErrnoException).code === 'EACCES';
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file} cannot be made${denied ? ' by this user (as root it can)' : ''}: ${(err as Error).message}`, { file }, { cause: err });
  }
}

/** The key in `file`, made first when it is absent and nothing already depends on it. */
export function loadOrCreateDatabaseKey(file: string, o: EnsureKeyOptions & KeyFileOptions = {}): { key: Buffer; created: boolean } {
  const created = ensureDatabaseKeyFile(file, o);
  return { key: readDatabaseKey(file, o), created };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ChasquiError('CHASQUI_ERR_KEY_FILE', `${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
}
