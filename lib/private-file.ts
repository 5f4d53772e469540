/**
 * Secrets a box keeps on disk (the API token, the identity keys, a database
 * key): mode 0600 in a directory made 0700, created once, never half-written.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write to a private temporary file, then link it into place: link fails if
 * the name exists, so two starts at once cannot both win, and a crash
 * mid-write never leaves an empty file behind. False when it already existed.
 */
export function createPrivateFileIfAbsent(file: string, content: string): boolean {
  // The mode applies to the folders made here only; an existing one keeps its own.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(tmp);
    fsyncDirectory(dirname(file));
  }
}

/** A new name (a link, a rename) lasts a power cut only once its directory is on disk too. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A copy restored from a backup may have lost its mode; a secret is only as private as its file. */
export function keepPrivate(file: string): void {
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}
