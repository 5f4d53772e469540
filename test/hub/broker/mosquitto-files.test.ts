import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mosquittoAclFile, mosquittoConf, mosquittoPasswdLine, verifyMosquittoPasswd } from '../../../hub/broker/mosquitto-files.js';
import { mosquittoBinary, mosquittoSkip } from '../../support/mosquitto.js';
import { tempDir } from '../../support/paths.js';

const SALT = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
// Computed independently with Python's hashlib.pbkdf2_hmac('sha512', b'secreto', SALT, 101).
const EXPECTED =
  'post-a:$7$101$AAECAwQFBgcICQoL$lr4gNdnP14j9yYrsP8aVQUdgLg03zx8Rxhj9HrCaqiKNZnQ3gDN/3jmmEnsx6e0H0YWOTbhAudObCth1U8FKhw==';

t.test('a fixed salt gives a stable $7$ line', async (t) => {
  t.equal(mosquittoPasswdLine('post-a', 'secreto', { salt: SALT }), EXPECTED);
  t.equal(
    mosquittoPasswdLine('post-a', 'secreto', { salt: SALT, iterations: 1000 }),
    'post-a:$7$1000$AAECAwQFBgcICQoL$bXFwDhxQ+kFWvPF1JIl1FT1+aoeWIjGh2bg8zgXyMNeRrUl5mKealPYYYst9T6XegY9DRAUklTxzcpveGFKL/w==',
  );
});

t.test('defaults match mosquitto_passwd: 101 iterations, 12-byte salt, 64-byte hash, random salt', async (t) => {
  const line = mosquittoPasswdLine('post-a', 'secreto');
  const [, iterations, salt, hash] = line.slice('post-a:'.length).split('$').slice(1);
  t.equal(iterations, '101');
  t.equal(Buffer.from(salt!, 'base64').length, 12);
  t.equal(Buffer.from(hash!, 'base64').length, 64);
  t.not(mosquittoPasswdLine('post-a', 'secreto'), line, 'salt is random');
  t.notOk(line.includes('\n'));
});

t.test('verifyMosquittoPasswd accepts our lines and only the right password', async (t) => {
  t.equal(verifyMosquittoPasswd(EXPECTED, 'secreto'), true);
  t.equal(verifyMosquittoPasswd(`${EXPECTED}\n`, 'secreto'), true, 'a trailing newline from a file is fine');
  t.equal(verifyMosquittoPasswd(EXPECTED, 'Secreto'), false);
  t.equal(verifyMosquittoPasswd(mosquittoPasswdLine('h', 'pw', { iterations: 7 }), 'pw'), true);
  for (const bad of ['', 'post-a', ':$7$101$AAAA$BBBB', 'post-a:$7$x$AAAA$BBBB', 'post-a:$7$101$AAAA$', 'post-a:$8$1$2$3', 'post-a:plain']) {
    t.equal(verifyMosquittoPasswd(bad, 'secreto'), false, `malformed ${JSON.stringify(bad)}`);
  }
});

t.test('usernames that would break the file or act as wildcards are refused', async (t) => {
  for (const name of ['', 'a:b', 'a b', 'a\nb', 'a/b', '+', '#', 'x'.repeat(65)]) {
    t.throws(() => mosquittoPasswdLine(name, 'pw'), { name: 'ChasquiError', code: 'CHASQUI_ERR_BAD_REQUEST' }, JSON.stringify(name));
    t.throws(() => mosquittoAclFile(name), { name: 'ChasquiError', code: 'CHASQUI_ERR_CONFIG' }, JSON.stringify(name));
  }
  t.throws(() => mosquittoPasswdLine('a', 'pw', { iterations: 0 }), { name: 'ChasquiError', code: 'CHASQUI_ERR_BAD_REQUEST' });
});

t.test('the ACL confines posts with %u patterns and names only the hub', async (t) => {
  const lines = mosquittoAclFile('chasqui-hub').split('\n').filter((l) => l && !l.startsWith('#'));
  t.same(lines, [
    'pattern write chasqui/v1/%u/up',
    'pattern write chasqui/v1/%u/health',
    'pattern read chasqui/v1/%u/down',
    'user chasqui-hub',
    'topic read chasqui/v1/+/up',
    'topic read chasqui/v1/+/health',
    'topic write chasqui/v1/+/down',
  ]);
});

t.test('the config locks the listener down and sizes queues for store-and-forward', async (t) => {
  const conf = mosquittoConf({ port: 1884, host: '127.0.0.1', passwordFile: '/etc/c/passwd', aclFile: '/etc/c/acl', persistenceDir: '/var/lib/c' });
  const lines = conf.split('\n');
  for (const want of [
    'listener 1884 127.0.0.1', 'allow_anonymous false', 'password_file /etc/c/passwd', 'acl_file /etc/c/acl',
    'set_tcp_nodelay true', 'persistence true', 'persistence_location /var/lib/c/', 'log_dest stdout',
  ]) t.ok(lines.includes(want), want);
  t.ok(lines.some((l) => /^max_inflight_messages \d+$/.test(l)));
  t.ok(Number(lines.find((l) => l.startsWith('max_queued_messages '))?.split(' ')[1]) > 1000, 'more than the default 1000 queued');
  const transient = mosquittoConf({ port: 1884, host: '127.0.0.1', passwordFile: 'p', aclFile: 'a' }).split('\n');
  t.ok(transient.includes('persistence false'));
  t.notOk(transient.some((l) => l.startsWith('persistence_location')));
  t.throws(() => mosquittoConf({ port: 1, host: 'x\nallow_anonymous true', passwordFile: 'p', aclFile: 'a' }), { name: 'ChasquiError', code: 'CHASQUI_ERR_CONFIG' });
  t.throws(() => mosquittoConf({ port: 1, host: '0.0.0.0', passwordFile: 'p', aclFile: 'a', tls: { certFile: 'c\ncafile x', keyFile: 'k' } }), { code: 'CHASQUI_ERR_CONFIG' });
});

t.test('a listener that leaves the machine is TLS; plain only on loopback', async (t) => {
  const lines = mosquittoConf({ port: 8883, host: '0.0.0.0', passwordFile: 'p', aclFile: 'a', tls: { certFile: '/m/hub-cert.pem', keyFile: '/m/hub-key.pem' } }).split('\n');
  // The TLS options follow their listener line: in Mosquitto 2 they belong to the listener above them.
  const at = lines.indexOf('listener 8883 0.0.0.0');
  t.same(lines.slice(at + 1, at + 4), ['certfile /m/hub-cert.pem', 'keyfile /m/hub-key.pem', 'tls_version tlsv1.2']);
  t.throws(() => mosquittoConf({ port: 1883, host: '0.0.0.0', passwordFile: 'p', aclFile: 'a' }), { name: 'ChasquiError', code: 'CHASQUI_ERR_TLS_PLAIN_REMOTE' });
  t.notOk(mosquittoConf({ port: 1883, host: '127.0.0.1', passwordFile: 'p', aclFile: 'a' }).includes('certfile'), 'loopback may stay plain');
});

t.test('lines written by the real mosquitto_passwd verify', { skip: mosquittoSkip('mosquitto_passwd') }, async (t) => {
  const { dir, cleanup } = tempDir('chasqui-passwd-');
  t.teardown(cleanup);
  const file = join(dir, 'passwd');
  const bin = mosquittoBinary('mosquitto_passwd');
  execFileSync(bin, ['-c', '-b', file, 'post-a', 'contraseña secreta']);
  execFileSync(bin, ['-H', 'sha512', '-b', file, 'legacy', 'viejo']);
  const [pbkdf2, sha512] = readFileSync(file, 'utf8').trim().split('\n');
  t.match(pbkdf2, /^post-a:\$7\$101\$/);
  t.equal(verifyMosquittoPasswd(pbkdf2!, 'contraseña secreta'), true, 'mosquitto_passwd $7$ line verifies');
  t.equal(verifyMosquittoPasswd(pbkdf2!, 'contraseña'), false);
  t.match(sha512, /^legacy:\$6\$/);
  t.equal(verifyMosquittoPasswd(sha512!, 'viejo'), true, 'mosquitto_passwd -H sha512 $6$ line verifies');
  t.equal(verifyMosquittoPasswd(sha512!, 'nuevo'), false);
});
