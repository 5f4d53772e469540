/** The hub's key and certificate, made by the real openssl (hub/tls/hub-certificate.ts). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { HUB_CERT_DAYS, ensureHubCertificate } from '../../../hub/tls/hub-certificate.js';
import { tempDir } from '../../support/paths.js';

t.test('ECDSA P-256, self-signed leaf, SAN with the given names and loopback, ten years, key 0600', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const files = { certFile: join(dir, 'tls/hub-cert.pem'), keyFile: join(dir, 'tls/hub-key.pem') };
  const c = ensureHubCertificate({ files, names: ['hub.ucayali.pe'], ips: ['10.0.0.5'] });
  t.equal(c.created, true);
  t.equal(statSync(files.keyFile).mode & 0o777, 0o600, 'key 0600');
  t.equal(statSync(join(dir, 'tls')).mode & 0o777, 0o700, 'its directory 0700');
  const x = new X509Certificate(readFileSync(files.certFile));
  t.equal(x.fingerprint256, c.fingerprint256);
  t.match(x.subjectAltName, /DNS:localhost/);
  for (const want of ['DNS:hub.ucayali.pe', 'IP Address:127.0.0.1', 'IP Address:10.0.0.5']) t.ok(x.subjectAltName?.includes(want), want);
  t.equal(x.ca, false, 'a leaf, not a CA');
  t.ok(x.verify(x.publicKey), 'self-signed');
  t.equal(createPrivateKey(readFileSync(files.keyFile)).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  t.equal(Math.round(days), HUB_CERT_DAYS);
});

t.test('kept on a second call, replaced with force; a mismatched pair or a bad name is refused', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const files = { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') };
  const first = ensureHubCertificate({ files });
  const again = ensureHubCertificate({ files, names: ['other.pe'] });
  t.same([again.created, again.fingerprint256], [false, first.fingerprint256], 'kept');
  const forced = ensureHubCertificate({ files, force: true });
  t.ok(forced.created && forced.fingerprint256 !== first.fingerprint256, 'replaced');
  const other = { certFile: join(dir, 'c2.pem'), keyFile: join(dir, 'k2.pem') };
  ensureHubCertificate({ files: other });
  writeFileSync(files.keyFile, readFileSync(other.keyFile));
  t.throws(() => ensureHubCertificate({ files }), { code: 'CHASQUI_ERR_TLS_CERT', message: /is not the key of/ });
  t.throws(() => ensureHubCertificate({ files: { certFile: join(dir, 'x.pem'), keyFile: join(dir, 'y.pem') }, names: ['a,DNS:evil'] }), { code: 'CHASQUI_ERR_USAGE' });
  t.throws(() => ensureHubCertificate({ files: { certFile: join(dir, 'x.pem'), keyFile: join(dir, 'y.pem') }, ips: ['10.0.0.300'] }), { code: 'CHASQUI_ERR_USAGE' });
  t.throws(() => ensureHubCertificate({ files: { certFile: join(dir, 'x.pem'), keyFile: join(dir, 'y.pem') }, openssl: join(dir, 'no-openssl') }), { code: 'CHASQUI_ERR_TLS_CERT', message: /openssl is not installed/ });
});
