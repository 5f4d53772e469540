/** The `chasqui` command as a field engineer runs it: compiled, in its own process. */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyMosquittoPasswd } from '../../hub/broker/mosquitto-files.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';

const run = runCli;

t.test('--help explains every command; an unknown one is an error', async (t) => {
  const help = await run(['--help']);
  t.equal(help.code, 0);
  for (const cmd of ['chasqui hub', 'add-post', 'mosquitto-files', 'chasqui post', 'submit', 'chasqui demo']) t.match(help.stdout, cmd);
  const bad = await run(['fly']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown command "fly"/);
});

t.test('register a post, then write the files an external mosquitto needs', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const added = await run(['hub', 'add-post', 'pucallpa-1', '--config', config]);
  t.equal(added.code, 0, added.stderr);
  const snippet = JSON.parse(added.stdout) as { postId: string; hub: { password: string } };
  t.equal(snippet.postId, 'pucallpa-1');
  const files = await run(['hub', 'mosquitto-files', join(dir, 'mq'), '--config', config]);
  t.equal(files.code, 0, files.stderr);
  const passwd = readFileSync(join(dir, 'mq/passwd'), 'utf8').trim();
  t.ok(verifyMosquittoPasswd(passwd, snippet.hub.password), 'mosquitto line verifies with the printed password');
  t.ok(existsSync(join(dir, 'mq/acl')) && existsSync(join(dir, 'mq/mosquitto.conf')));
});

t.test('a bad config stops the post with the code and the key', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'post.json');
  writeFileSync(config, JSON.stringify({ postId: 'p1', hub: { password: 'x' }, htpp: {} }));
  const r = await run(['post', '--config', config]);
  t.equal(r.code, 1);
  t.match(r.stderr, /CHASQUI_ERR_CONFIG.*htpp/);
  const badId = await run(['hub', 'add-post', 'chasqui-hub'], { CHASQUI_DATA_DIR: join(dir, 'h') });
  t.match(badId.stderr, /CHASQUI_ERR_BAD_REQUEST/);
});
