/**
 * The hub's config and the place of its database key, as every `chasqui hub …`
 * command (and `chasqui hub` itself) finds them: the key is looked for beside
 * the config file, or where systemd put it (hub/storage/key-location.ts).
 */
import { loadConfig } from '../lib/config.js';
import type { Db } from '../lib/sqlite.js';
import { HubConfigSchema, type HubConfig } from '../hub/config.js';
import { openHubDatabase } from '../hub/storage/hub-database.js';
import { hubKeyLocation, type KeyLocation } from '../hub/storage/key-location.js';

export type HubSetup = { config: HubConfig; keys: KeyLocation };

export function loadHubSetup(file: string | undefined, env: NodeJS.ProcessEnv): HubSetup {
  const configFile = file ?? env.CHASQUI_CONFIG;
  const config = loadConfig(HubConfigSchema, { file: configFile, env });
  return { config, keys: hubKeyLocation(config, { ...(configFile ? { configFile } : {}), env }) };
}

/** hub.sqlite, opened with its key (encrypted first if it was plain). */
export function openHubDb(setup: HubSetup): Db {
  return openHubDatabase(setup.config, setup.keys).db;
}
