/** The certificate maker both apps and the hub's broker share, run with the real openssl (lib/tls/self-signed-certificate.ts). */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { describePair, ensureSelfSignedCertificate, spkiSha256, type CertificateKind } from '../../../lib/tls/self-signed-certificate.js';
import { tempDir } from '../../support/paths.js';

const PHONE: CertificateKind = { commonName: 'chasqui-test', what: 'the test\'s web', remedy: 'remove it', days: 30, use: 'installed', nameSetting: 'http.tls.names', ipSetting: 'http.tls.ips' };
const PINNED: CertificateKind = { ...PHONE, use: 'pinned' };

function extensions(certFile: string): string {
  return execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-ext', 'basicConstraints,keyUsage,extendedKeyUsage,nameConstraints'], { encoding: 'utf8' });
}

t.test('installed: CA:TRUE with pathlen 0, as phone installers require, constrained to exactly its own names and addresses', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const files = { certFile: join(dir, 'tls/web-cert.pem'), keyFile: join(dir, 'tls/web-key.pem') };
  const c = ensureSelfSignedCertificate(PHONE, { files, names: ['posta-yarina', 'posta-yarina.local'], ips: ['192.168.4.1', 'fd00::4'] });
  t.equal(statSync(files.keyFile).mode & 0o777, 0o600, 'key 0600');
  const x = new X509Certificate(readFileSync(files.certFile));
  t.equal(x.subject, 'O=Chasqui\nCN=posta-yarina', 'the first name is the subject');
  t.equal(x.ca, true);
  t.ok(x.verify(x.publicKey), 'self-signed');
  t.equal(Math.round((Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000), 30, 'the kind\'s days');
  const ext = extensions(files.certFile);
  t.match(ext, /CA:TRUE, pathlen:0/);
  t.match(ext, /Digital Signature, Certificate Sign/);
  t.match(ext, /TLS Web Server Authentication/);
  for (const p of ['DNS:localhost', 'DNS:posta-yarina', 'DNS:posta-yarina.local', 'IP:127.0.0.1/255.255.255.255', 'IP:192.168.4.1/255.255.255.255', 'IP:FD00:0:0:0:0:0:0:4/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF']) {
    t.ok(ext.includes(p), `name constraint ${p}`);
  }
  t.notMatch(ext, /Excluded/, 'only permitted subtrees');
  t.equal(c.fingerprint256, x.fingerprint256);
});

t.test('pinned: a leaf, no name constraints', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const c = ensureSelfSignedCertificate(PINNED, { files: { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') } });
  t.equal(new X509Certificate(readFileSync(c.certFile)).subject, 'O=Chasqui\nCN=chasqui-test', 'the kind\'s common name');
  const ext = extensions(c.certFile);
  t.match(ext, /CA:FALSE/);
  t.notMatch(ext, /Name Constraints/);
});

t.test('errors name the kind\'s settings, what failed and how to make a new pair', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const files = { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') };
  t.throws(() => ensureSelfSignedCertificate(PHONE, { files, names: ['a/b'] }), { code: 'CHASQUI_ERR_USAGE', message: 'http.tls.names "a/b" is not a DNS name' });
  t.throws(() => ensureSelfSignedCertificate(PHONE, { files, ips: ['10.0.0.300'] }), { code: 'CHASQUI_ERR_USAGE', message: 'http.tls.ips "10.0.0.300" is not an IP address' });
  t.throws(() => ensureSelfSignedCertificate(PHONE, { files, openssl: join(dir, 'none') }), { code: 'CHASQUI_ERR_TLS_CERT', message: /could not create the test's web certificate: openssl is not installed/ });
  ensureSelfSignedCertificate(PHONE, { files });
  const other = ensureSelfSignedCertificate(PHONE, { files: { certFile: join(dir, 'c2.pem'), keyFile: join(dir, 'k2.pem') } });
  t.throws(() => ensureSelfSignedCertificate(PHONE, { files: { certFile: files.certFile, keyFile: other.keyFile } }), { code: 'CHASQUI_ERR_TLS_CERT', message: /is not the key of .*c\.pem \(remove it\)/ });
  t.throws(() => describePair(PHONE, { certFile: join(dir, 'gone.pem'), keyFile: files.keyFile }), { code: 'CHASQUI_ERR_TLS_CERT', message: /cannot read the test's web certificate .*gone\.pem: ENOENT/ });
});

t.test('spkiSha256 is the SHA-256 of the public key openssl extracts, in base64', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const c = ensureSelfSignedCertificate(PINNED, { files: { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') } });
  const der = execFileSync('openssl', ['x509', '-in', c.certFile, '-noout', '-pubkey']).toString();
  const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: der });
  t.equal(spkiSha256(readFileSync(c.certFile)), createHash('sha256').update(spki).digest('base64'));
});
