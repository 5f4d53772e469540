/** Where the hub looks for its database key: never inside the data folder. */
import t from 'tap';
import { join } from 'node:path';
import { hubKeyLocation } from '../../../hub/storage/key-location.js';

const config = (keyFile?: string) => ({ dataDir: '/var/lib/chasqui/hub', storage: keyFile ? { keyFile } : {} });

t.test('storage.keyFile, else the systemd credential, else beside the config file, else beside dataDir', async (t) => {
  const env = { CREDENTIALS_DIRECTORY: '/run/credentials/chasqui-hub.service' };
  t.same(hubKeyLocation(config('/srv/keys/hub.key'), { configFile: '/etc/chasqui/hub.json', env }), { file: '/srv/keys/hub.key', systemd: false });
  t.same(hubKeyLocation(config(), { configFile: '/etc/chasqui/hub.json', env }), { file: '/run/credentials/chasqui-hub.service/hub-db.key', systemd: true });
  t.same(hubKeyLocation(config(), { configFile: '/etc/chasqui/hub.json', env: {} }), { file: '/etc/chasqui/hub-db.key', systemd: false },
    'by hand, the file systemd hands the service');
  t.same(hubKeyLocation(config()), { file: '/var/lib/chasqui/hub-db.key', systemd: false });
});

t.test('a key file inside dataDir is a config error: a copy of the folder would carry its key', async (t) => {
  for (const inside of ['/var/lib/chasqui/hub/hub-db.key', '/var/lib/chasqui/hub/keys/k']) {
    t.throws(() => hubKeyLocation(config(inside)), { code: 'CHASQUI_ERR_CONFIG', message: /storage\/keyFile.*inside dataDir/ }, inside);
  }
  t.doesNotThrow(() => hubKeyLocation(config(join('/var/lib/chasqui', 'hub-other', 'k'))), 'a sibling folder is outside');
});
