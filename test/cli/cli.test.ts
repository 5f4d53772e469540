/** The `chasqui` command as a field engineer runs it: compiled, in its own process. */
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyMosquittoPasswd } from '../../hub/broker/mosquitto-files.js';
import { databaseState } from '../../lib/sqlite.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';

const run = runCli;

t.test('--help explains every command; an unknown one is an error', async (t) => {
  const help = await run(['--help']);
  t.equal(help.code, 0);
  for (const cmd of ['chasqui hub', 'hub init', 'add-post', 'mosquitto-files', 'chasqui post', 'submit', 'chasqui demo']) t.match(help.stdout, cmd);
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
  const snippet = JSON.parse(added.stdout) as { postId: string; hub: { url: string; ca: string; password: string } };
  t.equal(snippet.postId, 'pucallpa-1');
  t.match(snippet.hub, { url: /^mqtts:\/\/HUB-ADDRESS:8883$/, ca: '/etc/chasqui/hub-ca.pem' }, 'an mqtts URL and the pinned certificate');
  t.match(added.stderr, `${join(dir, 'hub/tls/hub-cert.pem')} (SHA-256 `, 'names the certificate file to install on the post');
  const files = await run(['hub', 'mosquitto-files', join(dir, 'mq'), '--config', config]);
  t.equal(files.code, 0, files.stderr);
  const passwd = readFileSync(join(dir, 'mq/passwd'), 'utf8').trim();
  t.ok(verifyMosquittoPasswd(passwd, snippet.hub.password), 'mosquitto line verifies with the printed password');
  t.ok(existsSync(join(dir, 'mq/acl')) && existsSync(join(dir, 'mq/mosquitto.conf')));
  const conf = readFileSync(join(dir, 'mq/mosquitto.conf'), 'utf8');
  t.match(conf, `listener 8883 0.0.0.0\ncertfile ${join(dir, 'mq/hub-cert.pem')}\nkeyfile ${join(dir, 'mq/hub-key.pem')}\ntls_version tlsv1.2\n`);
  t.equal(readFileSync(join(dir, 'mq/hub-cert.pem'), 'utf8'), readFileSync(join(dir, 'hub/tls/hub-cert.pem'), 'utf8'), 'Mosquitto serves the hub\'s certificate');
  t.equal(statSync(join(dir, 'mq/hub-key.pem')).mode & 0o777, 0o600);
});

t.test('hub init makes the certificate once, prints its fingerprint, and keeps it unless --force', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const first = await run(['hub', 'init', '--name', 'hub.ucayali.pe', '--name', 'hub.local', '--ip', '10.0.0.5', '--config', config]);
  t.equal(first.code, 0, first.stderr);
  const certFile = join(dir, 'hub/tls/hub-cert.pem');
  const x = new X509Certificate(readFileSync(certFile));
  t.match(first.stdout, `hub certificate: ${certFile} created`);
  t.match(first.stdout, `SHA-256 fingerprint: ${x.fingerprint256}`);
  t.match(first.stdout, '--hub-ca');
  for (const n of ['DNS:hub.ucayali.pe', 'DNS:hub.local', 'IP Address:10.0.0.5', 'DNS:localhost', 'IP Address:127.0.0.1']) t.ok(x.subjectAltName?.includes(n), n);
  t.equal(statSync(join(dir, 'hub/tls/hub-key.pem')).mode & 0o777, 0o600, 'key 0600');
  const again = await run(['hub', 'init', '--config', config]);
  t.match(again.stdout, 'kept');
  t.match(again.stdout, x.fingerprint256, 'the same certificate');
  const forced = await run(['hub', 'init', '--force', '--config', config]);
  t.match(forced.stdout, 'created');
  t.not(new X509Certificate(readFileSync(certFile)).fingerprint256, x.fingerprint256, '--force replaced it');
  const bad = await run(['hub', 'init', '--name', 'a,DNS:evil', '--force', '--config', config]);
  t.match(bad.stderr, /CHASQUI_ERR_USAGE/);
});

t.test('hub init makes the database key beside the config (0600), says to back it up apart, and never replaces it', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'etc', 'hub.json');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'var', 'hub') }));
  const keyFile = join(dir, 'etc', 'hub-db.key');
  const first = await run(['hub', 'init', '--config', config]);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, `database key:    ${keyFile} created (0600`);
  t.match(first.stdout, `back it up now, apart from the backups of ${join(dir, 'var', 'hub')}`);
  t.equal(statSync(keyFile).mode & 0o777, 0o600);
  const key = readFileSync(keyFile, 'utf8');
  t.match(key, /^[0-9a-f]{64}\n$/);
  t.equal((await run(['hub', 'add-post', 'p1', '--config', config])).code, 0, 'the CLI opens the database with it');
  t.equal(databaseState(join(dir, 'var', 'hub', 'hub.sqlite')), 'encrypted');
  const again = await run(['hub', 'init', '--force', '--config', config]);
  t.match(again.stdout, `database key:    ${keyFile} kept`);
  t.equal(readFileSync(keyFile, 'utf8'), key, '--force does not touch it');
  rmSync(keyFile);
  const lost = await run(['hub', 'init', '--config', config]);
  t.equal(lost.code, 1);
  t.match(lost.stderr, /CHASQUI_ERR_KEY_FILE: .*hub-db\.key does not exist, and .*hub\.sqlite is encrypted.*Restore the key file from its backup/);
  t.notOk(existsSync(keyFile), 'no new key for an encrypted database');
});

t.test('under systemd the key is the credential systemd handed over: read-only, its ACL accepted, never made there', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const credentials = join(dir, 'credentials');
  mkdirSync(credentials, { mode: 0o700 });
  const env = { CREDENTIALS_DIRECTORY: credentials };
  const missing = await run(['hub', 'add-post', 'p1', '--config', config], env);
  t.match(missing.stderr, /CHASQUI_ERR_KEY_FILE: .*credentials\/hub-db\.key does not exist and is not made here: .*LoadCredential=.*chasqui hub init. as root/);
  t.notOk(existsSync(join(dir, 'hub', 'hub.sqlite')), 'no database made without its key');
  // What systemd's ACL for the service user looks like in the mode bits: group-read.
  writeFileSync(join(credentials, 'hub-db.key'), `${'5a'.repeat(32)}\n`, { mode: 0o440 });
  chmodSync(join(credentials, 'hub-db.key'), 0o440);
  t.equal((await run(['hub', 'add-post', 'p1', '--config', config], env)).code, 0);
  t.equal(databaseState(join(dir, 'hub', 'hub.sqlite')), 'encrypted');
  t.notOk(existsSync(join(dir, 'hub-db.key')), 'nothing made beside the config');
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
