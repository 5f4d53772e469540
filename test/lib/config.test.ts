import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config.js';
import { PostConfigSchema } from '../../node/config.js';
import { HubConfigSchema } from '../../hub/config.js';
import { tempDir } from '../support/paths.js';

t.test('defaults fill a minimal post config, and the result is frozen', async (t) => {
  const c = loadConfig(PostConfigSchema, { overrides: { postId: 'pucallpa-1', hub: { password: 'x' } } });
  t.equal(c.http.port, 8080);
  t.equal(c.link.expectedRateBps, 64000);
  t.equal(c.hub.url, 'mqtt://127.0.0.1:1883');
  t.ok(Object.isFrozen(c.link));
});

t.test('a file, then the environment', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const file = join(dir, 'post.json');
  writeFileSync(file, JSON.stringify({ postId: 'a', hub: { password: 'p' }, http: { port: 9000 } }));
  const c = loadConfig(PostConfigSchema, { file, env: { CHASQUI_HTTP__PORT: '9100', CHASQUI_LINK__KEEPALIVE_S: '30', HOME: '/root' } });
  t.equal(c.http.port, 9100);
  t.equal(c.link.keepaliveS, 30);
});

t.test('an unknown key or a bad value stops startup naming the key', async (t) => {
  t.throws(() => loadConfig(HubConfigSchema, { overrides: { brokr: {} } }), { code: 'CHASQUI_ERR_CONFIG', message: /brokr/ });
  t.throws(() => loadConfig(HubConfigSchema, { overrides: { http: { port: 'ochenta' } } }), { code: 'CHASQUI_ERR_CONFIG', message: /\/http\/port/ });
  t.throws(() => loadConfig(PostConfigSchema, { overrides: { postId: 'Post A', hub: { password: 'x' } } }), { code: 'CHASQUI_ERR_CONFIG', message: /postId/ });
  t.throws(() => loadConfig(PostConfigSchema, { file: '/nonexistent/post.json' }), { code: 'CHASQUI_ERR_CONFIG', message: /cannot read/ });
});
