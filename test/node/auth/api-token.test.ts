/** The local API token file, and the command line's use of it. */
import t from 'tap';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postCommand, tokenFile } from '../../../cli/post-commands.js';
import { ApiToken, readApiTokenFile } from '../../../node/auth/api-token.js';
import { tempDir } from '../../support/paths.js';

t.test('created once with mode 0600, then reused', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const data = join(dir, 'post');
  const first = ApiToken.loadOrCreate(data);
  const file = join(data, 'api-token');
  t.equal(statSync(file).mode & 0o777, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  t.equal(Buffer.from(token, 'base64url').length, 32, '256 random bits');
  t.ok(first.matches(token));
  t.notOk(first.matches(token.slice(0, -1)));
  t.notOk(first.matches(''));
  t.notOk(first.matches(undefined));
  const second = ApiToken.loadOrCreate(data);
  t.ok(second.matches(token), 'a restart keeps the token the command line already knows');
  t.same(readdirSync(data), ['api-token'], 'no temporary file left behind');
});

t.test('a token file readable by others is made private again', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  ApiToken.loadOrCreate(dir);
  chmodSync(join(dir, 'api-token'), 0o644);
  ApiToken.loadOrCreate(dir);
  t.equal(statSync(join(dir, 'api-token')).mode & 0o777, 0o600);
});

t.test('a garbled token file stops the post with what to do', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  writeFileSync(join(dir, 'api-token'), 'short\n', { mode: 0o600 });
  t.throws(() => ApiToken.loadOrCreate(dir), { code: 'CHASQUI_ERR_AUTH', message: /delete it and restart the post/ });
});

t.test('the command line finds the token, or says to run on the post box as the service user', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  t.equal(tokenFile(undefined, undefined), './data/post/api-token', 'the post\'s default dataDir');
  t.equal(tokenFile('/etc/x', undefined), '/etc/x');
  const config = join(dir, 'post.json');
  writeFileSync(config, JSON.stringify({ postId: 'p1', dataDir: join(dir, 'somewhere'), hub: { password: 'x' } }));
  t.equal(tokenFile(undefined, config), join(dir, 'somewhere/api-token'), 'with --config, that post\'s dataDir');
  const missing = join(dir, 'nope/api-token');
  for (const sub of ['status', 'submit']) {
    await t.rejects(postCommand([sub, '--token-file', missing, '--url', 'http://127.0.0.1:1']), {
      code: 'CHASQUI_ERR_AUTH', message: /cannot read the post's API token at .*nope\/api-token \(ENOENT\)\. Run this on the post box as the user the post runs as/,
    });
  }
  ApiToken.loadOrCreate(join(dir, 'ok'));
  t.match(readApiTokenFile(join(dir, 'ok/api-token')), /^[\w-]{43}$/);
});
