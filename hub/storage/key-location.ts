/**
 * Where the key of hub.sqlite lives. Never inside dataDir: a copy of the data
 * folder, or a backup of it, must not carry the key that opens it.
 *
 * 1. `storage.keyFile`, when the config names one.
 * 2. Under systemd, `$CREDENTIALS_DIRECTORY/hub-db.key`: the unit's
 *    `LoadCredential=hub-db.key:/etc/chasqui/hub-db.key` (systemd.exec(5),
 *    "Credentials") has systemd, as root, copy a root-only file into a
 *    per-service, non-swappable, read-only folder that only this service's
 *    user can read. The service cannot read the file in /etc, nor write
 *    beside its key, and the same unit line can become
 *    `LoadCredentialEncrypted=` to seal the key to the host's TPM2.
 *    The key is made by `chasqui hub init` run as root, never by the service.
 * 3. By hand, `hub-db.key` beside the config file: `/etc/chasqui/hub-db.key`
 *    for `--config /etc/chasqui/hub.json`, the very file systemd hands the
 *    service, so a CLI run as root opens the same database the service does.
 * 4. With no config file (the demo, tests), `hub-db.key` beside dataDir.
 */
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';
import type { HubConfig } from '../config.js';

export const HUB_KEY_NAME = 'hub-db.key';

export type KeyLocation = {
  file: string;
  /** A systemd credential: read-only here, its access guarded by systemd (an ACL), so no mode check and no creating. */
  systemd: boolean;
};

export function hubKeyLocation(config: Pick<HubConfig, 'dataDir' | 'storage'>, from: { configFile?: string; env?: NodeJS.ProcessEnv } = {}): KeyLocation {
  if (config.storage.keyFile) {
    const file = resolve(config.storage.keyFile);
    const inside = relative(resolve(config.dataDir), file);
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      throw new ChasquiError('CHASQUI_ERR_CONFIG', `/storage/keyFile: ${file} is inside dataDir; a copy or backup of the data folder would carry the key that opens it`);
    }
    return { file, systemd: false };
  }
  const credentials = from.env?.CREDENTIALS_DIRECTORY;
  if (credentials) return { file: join(credentials, HUB_KEY_NAME), systemd: true };
  const beside = from.configFile ? dirname(resolve(from.configFile)) : dirname(resolve(config.dataDir));
  return { file: join(beside, HUB_KEY_NAME), systemd: false };
}
