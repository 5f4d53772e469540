/** When a web app serves HTTPS, with which certificate, and what it warns about (lib/tls/web-tls.ts), with the real openssl. */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../../lib/config.js';
import { boxNames, prepareWebTls, webTlsEnabled, type BoxFacts, type HttpConfig } from '../../../lib/tls/web-tls.js';
import { PostConfigSchema } from '../../../node/config.js';
import { tempDir } from '../../support/paths.js';
import { someHubIdentity } from '../../support/stack.js';

const nic = (address: string, internal = false): NetworkInterfaceInfo => (address.includes(':')
  ? { address, family: 'IPv6', internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 }
  : { address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null });

/** A post's box: its Wi-Fi access point address, a ULA, a link-local one, loopback. */
function box(wlan = '192.168.4.1'): BoxFacts {
  return { hostname: () => 'posta-yarina', networkInterfaces: () => ({ lo: [nic('127.0.0.1', true), nic('::1', true)], wlan0: [nic(wlan), nic('fd00::4'), nic('fe80::1')] }) };
}

/** http as the post's config makes it, from the JSON a field engineer writes. */
function http(json: Record<string, unknown>): HttpConfig {
  return loadConfig(PostConfigSchema, { overrides: { postId: 'p', hub: { password: 'x', identity: someHubIdentity() }, http: json } }).http;
}

t.test('unset, HTTPS exactly off loopback; false off loopback is a warning; true holds on loopback', async (t) => {
  t.equal(webTlsEnabled(http({})), false, 'the default 127.0.0.1: plain (tests, the demo)');
  t.equal(webTlsEnabled(http({ host: '0.0.0.0' })), true, 'a phone on the Wi-Fi: HTTPS');
  t.equal(webTlsEnabled(http({ host: '::1', tls: { enabled: true } })), true);
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const plain = prepareWebTls('post', http({ host: '0.0.0.0', tls: { enabled: false } }), dir, { box: box() });
  t.equal(plain.https, undefined);
  t.match(plain.warnings, [/http\.tls\.enabled is false and the post listens on 0\.0\.0\.0: passwords and patient data cross the network in clear/]);
  t.same(prepareWebTls('post', http({}), dir).warnings, [], 'plain on loopback says nothing');
});

t.test('the box\'s own names: hostname and .local, every address but loopback and link-local, the config\'s', async (t) => {
  t.same(boxNames(http({ tls: { names: ['posta.minsa.pe'], ips: ['10.8.0.2'] } }), box()), {
    names: ['posta.minsa.pe', 'posta-yarina', 'posta-yarina.local'], ips: ['10.8.0.2', '192.168.4.1', 'fd00::4'],
  });
  t.throws(() => http({ tls: { ips: ['10.0.0.300'] } }), { code: 'CHASQUI_ERR_CONFIG', message: /\/http\/tls\/ips\/0/ });
  t.throws(() => http({ tls: { names: ['a,DNS:evil'] } }), { code: 'CHASQUI_ERR_CONFIG', message: /\/http\/tls\/names\/0/ });
});

t.test('its own pair is made once in <dataDir>/tls, kept, served as DER; a new address is a warning, not a new certificate', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const cfg = http({ host: '0.0.0.0' });
  const first = prepareWebTls('post', cfg, dir, { box: box() });
  const c = first.certificate!;
  t.same([c.created, c.own, c.certFile, c.keyFile], [true, true, join(dir, 'tls/web-cert.pem'), join(dir, 'tls/web-key.pem')]);
  t.equal(statSync(c.keyFile).mode & 0o777, 0o600, 'key 0600');
  t.same(first.warnings, []);
  t.equal(first.https?.cert, readFileSync(c.certFile, 'utf8'));
  const x = new X509Certificate(first.https!.cert);
  for (const n of ['DNS:posta-yarina', 'DNS:posta-yarina.local', 'IP Address:192.168.4.1', 'DNS:localhost', 'IP Address:127.0.0.1']) t.ok(x.subjectAltName?.includes(n), n);
  t.same(first.der, x.raw, 'DER of the same certificate');
  t.same(readFileSync(c.derFile), x.raw, 'and beside it, for the CLI to show');
  const moved = prepareWebTls('post', cfg, dir, { box: box('192.168.8.20') });
  t.same([moved.certificate?.created, moved.certificate?.fingerprint256], [false, c.fingerprint256], 'kept: phones trust this one');
  t.match(moved.warnings, [/does not name 192\.168\.8\.20: a phone reaching it so sees a certificate warning \(chasqui post certificate --force/]);
});

t.test('a configured pair is read and checked at build time, the file named; cert and key go together', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const missing = join(dir, 'etc/post-cert.pem');
  t.throws(() => prepareWebTls('post', http({ tls: { enabled: true, cert: missing, key: join(dir, 'k.pem') } }), dir),
    { code: 'CHASQUI_ERR_TLS_CERT', message: `cannot read the post's web certificate ${missing}` });
  t.throws(() => prepareWebTls('hub', http({ tls: { enabled: true, cert: missing } }), dir), { code: 'CHASQUI_ERR_CONFIG', message: /http\.tls\.cert and http\.tls\.key go together/ });
  const own = prepareWebTls('hub', http({ tls: { enabled: true } }), join(dir, 'own'), { box: box() }).certificate!;
  const given = prepareWebTls('hub', http({ tls: { enabled: true, cert: own.certFile, key: own.keyFile } }), dir);
  t.same([given.certificate?.own, given.certificate?.fingerprint256, given.warnings], [false, own.fingerprint256, []], 'a given pair is not second-guessed');
});
