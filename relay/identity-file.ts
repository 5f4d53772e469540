/**
 * A post's or a hub's identity keys on disk: <dataDir>/identity.key, mode
 * 0600, created on first use and never rewritten, since a new key would make
 * every peer that pinned the old one refuse this box.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChasquiError } from '../lib/errors.js';
import { createPrivateFileIfAbsent, keepPrivate } from '../lib/private-file.js';
import { identityFromSeeds, type Identity } from '../protocol/identity.js';

export const IDENTITY_FILE = 'identity.key';

export function loadOrCreateIdentity(dataDir: string, name: string): Identity {
  const file = join(dataDir, IDENTITY_FILE);
  const fresh = { format: 1, name, sign: randomBytes(32).toString('base64'), seal: randomBytes(32).toString('base64') };
  createPrivateFileIfAbsent(file, `${JSON.stringify(fresh)}\n`);
  keepPrivate(file);
  return readIdentity(file, name);
}

function readIdentity(file: string, name: string): Identity {
  let stored: { format?: unknown; name?: unknown; sign?: unknown; seal?: unknown };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `${file} is not a Chasqui identity (${(err as Error).message}); restore it from the backup`);
  }
  if (stored.format !== 1 || typeof stored.sign !== 'string' || typeof stored.seal !== 'string') {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `${file} is not a Chasqui identity; restore it from the backup`);
  }
  // Peers know this box by the name inside its keys: a data directory copied to another post must not speak for it.
  if (stored.name !== name) throw new ChasquiError('CHASQUI_ERR_CONFIG', `${file} holds the keys of "${String(stored.name)}", not "${name}"`);
  return identityFromSeeds(name, Buffer.from(stored.sign, 'base64'), Buffer.from(stored.seal, 'base64'));
}
