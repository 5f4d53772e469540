/** The `chasqui` command as a field engineer runs it: compiled, in its own process. */
import t from 'tap';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

t.test('keys are exchanged as one line each way: the post pins the hub, the hub records the post', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hubConfig = join(dir, 'hub.json');
  writeFileSync(hubConfig, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const added = await run(['hub', 'add-post', 'pucallpa-1', '--config', hubConfig]);
  t.equal(added.code, 0, added.stderr);
  const snippet = JSON.parse(added.stdout) as { hub: { password: string; identity: string } };
  const hubId = await run(['hub', 'identity', '--config', hubConfig]);
  t.equal(hubId.stdout.split('\n')[0], snippet.hub.identity, 'add-post hands out the hub\'s public keys');
  t.match(hubId.stdout, /fingerprint [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}/);
  t.match(added.stderr, /chasqui hub post-identity pucallpa-1/, 'and says what comes next');
  t.notMatch(snippet.hub.identity + hubId.stdout, /"sign"|"seal"/, 'no private key is printed');

  const postConfig = join(dir, 'post.json');
  writeFileSync(postConfig, JSON.stringify({ postId: 'pucallpa-1', dataDir: join(dir, 'post'), hub: snippet.hub }));
  const postId = await run(['post', 'identity', '--config', postConfig]);
  t.equal(postId.code, 0, postId.stderr);
  const line = postId.stdout.split('\n')[0]!;
  t.match(line, /^chasqui-id-1\.pucallpa-1\./);
  t.equal((await run(['post', 'identity', '--config', postConfig])).stdout.split('\n')[0], line, 'made once, the same every time');
  t.equal(statSync(join(dir, 'post', 'identity.key')).mode & 0o777, 0o600, 'the private keys are owner-only');

  const recorded = await run(['hub', 'post-identity', 'pucallpa-1', line, '--config', hubConfig]);
  t.equal(recorded.code, 0, recorded.stderr);
  t.match(recorded.stdout, /pucallpa-1: keys [0-9a-f ]{19} registered/);
  const wrong = await run(['hub', 'post-identity', 'masisea-2', line, '--config', hubConfig]);
  t.match(wrong.stderr, /CHASQUI_ERR_BAD_REQUEST.*belong to "pucallpa-1"/, 'one post\'s keys cannot be filed under another');
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
