/**
 * The hub's TLS key and self-signed certificate, made by the system's
 * openssl (a well-kept tool; Node has no certificate builder): ECDSA P-256,
 * SHA-256, SAN = the names and addresses posts may use plus localhost.
 *
 * Ten years, on purpose. Posts pin this very certificate (hub.ca), so
 * replacing it means a provisioning run on every post, some a day away by
 * river; an expiry date adds nothing to a pin but a day on which every post
 * stops at once. A compromised key is replaced deliberately (`chasqui hub
 * init --force`, then `provision-post.sh --hub-ca` on each post).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';

export const HUB_CERT_DAYS = 3650;

export type HubTlsFiles = { certFile: string; keyFile: string };

export type HubCertificate = HubTlsFiles & {
  /** Whether this call made the pair (false: an existing one was kept). */
  created: boolean;
  /** SHA-256 of the DER certificate, `AB:CD:…`, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  subjectAltName: string;
  validTo: string;
};

export function defaultHubTlsFiles(dataDir: string): HubTlsFiles {
  return { certFile: join(dataDir, 'tls', 'hub-cert.pem'), keyFile: join(dataDir, 'tls', 'hub-key.pem') };
}

export type EnsureOptions = {
  files: HubTlsFiles;
  /** DNS names posts reach the hub by (`--name`), beyond localhost. */
  names?: readonly string[];
  /** Addresses posts reach the hub by (`--ip`), beyond 127.0.0.1 and ::1. */
  ips?: readonly string[];
  /** Replace an existing pair (every post must then be given the new certificate). */
  force?: boolean;
  openssl?: string;
};

/** Keeps a valid existing pair unless `force`; otherwise makes one. */
export function ensureHubCertificate(o: EnsureOptions): HubCertificate {
  const { certFile, keyFile } = o.files;
  if (!o.force && existsSync(certFile) && existsSync(keyFile)) return { ...describePair(o.files), created: false };
  const names = ['localhost', ...(o.names ?? [])];
  const ips = ['127.0.0.1', '::1', ...(o.ips ?? [])];
  for (const n of names) {
    // Also keeps openssl's -subj and -addext syntax (/ , =) out of the name.
    if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(n)) {
      throw new ChasquiError('CHASQUI_ERR_USAGE', `--name "${n}" is not a DNS name`);
    }
  }
  for (const ip of ips) if (!isIP(ip)) throw new ChasquiError('CHASQUI_ERR_USAGE', `--ip "${ip}" is not an IP address`);
  const san = [...new Set(names)].map((n) => `DNS:${n}`).concat([...new Set(ips)].map((ip) => `IP:${ip}`)).join(',');
  const dir = dirname(certFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  // Written beside the final files, then renamed: a crash leaves the old pair or none, never half of a new one.
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  try {
    execFileSync(o.openssl ?? 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256', '-nodes',
      '-keyout', tmpKey, '-out', tmpCert, '-days', String(HUB_CERT_DAYS),
      '-subj', `/O=Chasqui/CN=${o.names?.[0] ?? 'chasqui-hub'}`,
      '-addext', `subjectAltName=${san}`,
      // A leaf, not a CA: a post that pins it must not accept certificates it would sign.
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    // openssl 3 already creates it 0600; this holds for an older one too.
    chmodSync(tmpKey, 0o600);
    chmodSync(tmpCert, 0o644);
    describePair({ certFile: tmpCert, keyFile: tmpKey });
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  } catch (err) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    if (err instanceof ChasquiError) throw err;
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : (e.stderr?.toString().trim() || e.message);
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `could not create the hub certificate: ${why}`, undefined, { cause: err });
  }
  return { ...describePair(o.files), created: true };
}

/** Reads a key and certificate, checks that they belong together, and describes the certificate. */
export function describePair(files: HubTlsFiles): Omit<HubCertificate, 'created'> {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${files.keyFile} is not the key of ${files.certFile}`);
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `${(err as Error).message} (chasqui hub init --force makes a new pair)`, undefined, { cause: err });
  }
  return { ...files, fingerprint256: x509.fingerprint256, subjectAltName: x509.subjectAltName ?? '', validTo: x509.validTo };
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `cannot read the hub's TLS ${what} ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
