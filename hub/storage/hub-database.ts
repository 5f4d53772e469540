/**
 * hub.sqlite, always opened encrypted (SQLCipher 4, lib/sqlite.ts): cases,
 * photos and ECGs (the `blobs` table), threads, accounts and access logs. The
 * one way in for the hub and for every CLI that opens it.
 *
 * A new database gets a new random key. A plain one (a hub installed before
 * encryption) is encrypted in place on its first open with a key, crash-safely.
 * An encrypted one without its key file is refused: the key is restored from
 * its backup, never replaced.
 */
import { join } from 'node:path';
import { loadOrCreateDatabaseKey } from '../../lib/database-key.js';
import { databaseState, encryptInPlace, openDatabase, type Db } from '../../lib/sqlite.js';
import type { HubConfig } from '../config.js';
import type { KeyLocation } from './key-location.js';

export const hubDatabaseFile = (config: Pick<HubConfig, 'dataDir'>): string => join(config.dataDir, 'hub.sqlite');

export type OpenedHubDatabase = {
  db: Db;
  keyFile: string;
  /** A new key file was made (it must be backed up, apart from the data). */
  keyCreated: boolean;
  /** A plain database from before was encrypted in place. */
  encryptedInPlace: boolean;
};

export function openHubDatabase(config: Pick<HubConfig, 'dataDir'>, where: KeyLocation, o: { maxPageCount?: number } = {}): OpenedHubDatabase {
  const file = hubDatabaseFile(config);
  const state = databaseState(file);
  const { key, created } = loadOrCreateDatabaseKey(where.file, {
    ...(state === 'encrypted' ? { encryptedDatabase: file } : {}),
    create: !where.systemd, checkMode: !where.systemd,
    createHint: 'systemd hands the service the key in /etc/chasqui/hub-db.key (LoadCredential=); make it with `chasqui hub init` as root',
  });
  const encryptedInPlace = state === 'plain' && encryptInPlace(file, key);
  const db = openDatabase(file, { key, ...(o.maxPageCount ? { maxPageCount: o.maxPageCount } : {}) });
  return { db, keyFile: where.file, keyCreated: created, encryptedInPlace };
}
