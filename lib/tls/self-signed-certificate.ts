/**
 * A key and self-signed certificate made by the system's openssl (a
 * well-kept tool; Node has no certificate builder): ECDSA P-256, SHA-256,
 * SAN = the given names and addresses plus localhost and loopback. Written
 * beside the final files and renamed, key 0600 in a 0700 directory.
 *
 * Two uses, one maker (`CertificateKind.use`):
 * - `pinned`: a leaf (CA:FALSE) that a program pins byte for byte (the hub's
 *   broker certificate, hub/tls/hub-certificate.ts): a post that pins it must
 *   not accept certificates it would sign.
 * - `installed`: a certificate a person installs on a phone (the web apps,
 *   lib/tls/web-tls.ts). Android's "CA certificate" installer and iOS's
 *   "Certificate Trust Settings" take only a certificate that says CA:TRUE,
 *   so this one does, with pathlen:0 and name constraints (RFC 5280
 *   §4.2.1.10) that permit only its own names and addresses: a phone that
 *   trusts it trusts nothing else it could sign, should the box be stolen.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { ChasquiError } from '../errors.js';

export type TlsFiles = { certFile: string; keyFile: string };

export type CertificateInfo = TlsFiles & {
  /** Whether this call made the pair (false: an existing one was kept). */
  created: boolean;
  /** SHA-256 of the DER certificate, `AB:CD:…`, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  subjectAltName: string;
  validTo: string;
};

/** What differs between the certificates Chasqui makes: their name, their use, and what errors say. */
export type CertificateKind = {
  /** Subject CN when no name is given, e.g. `chasqui-hub`. */
  commonName: string;
  /** In errors: `the hub's TLS`, `the post's web`. */
  what: string;
  /** In errors: how to make a new pair, e.g. `chasqui hub init --force makes a new pair`. */
  remedy: string;
  days: number;
  use: 'pinned' | 'installed';
  /** In errors about a bad name or address: where it came from (default `--name`, `--ip`). */
  nameSetting?: string;
  ipSetting?: string;
};

export type EnsureOptions = {
  files: TlsFiles;
  /** DNS names the certificate is reached by, beyond localhost; the first is the subject CN. */
  names?: readonly string[];
  /** Addresses it is reached by, beyond 127.0.0.1 and ::1. */
  ips?: readonly string[];
  /** Replace an existing pair (whoever pinned or installed it must then be given the new one). */
  force?: boolean;
  openssl?: string;
};

/** Also keeps openssl's -subj and -addext syntax (/ , =) out of a name. */
export const DNS_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

/** Keeps a valid existing pair unless `force`; otherwise makes one. */
export function ensureSelfSignedCertificate(kind: CertificateKind, o: EnsureOptions): CertificateInfo {
  const { certFile, keyFile } = o.files;
  if (!o.force && existsSync(certFile) && existsSync(keyFile)) return { ...describePair(kind, o.files), created: false };
  const names = [...new Set(['localhost', ...(o.names ?? [])])];
  const ips = [...new Set(['127.0.0.1', '::1', ...(o.ips ?? [])])];
  for (const n of names) {
    if (!DNS_NAME.test(n)) throw new ChasquiError('CHASQUI_ERR_USAGE', `${kind.nameSetting ?? '--name'} "${n}" is not a DNS name`);
  }
  for (const ip of ips) if (!isIP(ip)) throw new ChasquiError('CHASQUI_ERR_USAGE', `${kind.ipSetting ?? '--ip'} "${ip}" is not an IP address`);
  const san = names.map((n) => `DNS:${n}`).concat(ips.map((ip) => `IP:${ip}`)).join(',');
  mkdirSync(dirname(certFile), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  // Written beside the final files, then renamed: a crash leaves the old pair or none, never half of a new one.
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  try {
    execFileSync(o.openssl ?? 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256', '-nodes',
      '-keyout', tmpKey, '-out', tmpCert, '-days', String(kind.days),
      '-subj', `/O=Chasqui/CN=${o.names?.[0] ?? kind.commonName}`,
      '-addext', `subjectAltName=${san}`,
      ...extensions(kind.use, names, ips),
      '-addext', 'extendedKeyUsage=serverAuth',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    // openssl 3 already creates it 0600; this holds for an older one too.
    chmodSync(tmpKey, 0o600);
    chmodSync(tmpCert, 0o644);
    describePair(kind, { certFile: tmpCert, keyFile: tmpKey });
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  } catch (err) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    if (err instanceof ChasquiError) throw err;
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : (e.stderr?.toString().trim() || e.message);
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `could not create ${kind.what} certificate: ${why}`, undefined, { cause: err });
  }
  return { ...describePair(kind, o.files), created: true };
}

function extensions(use: CertificateKind['use'], names: string[], ips: string[]): string[] {
  // A leaf, not a CA: a program that pins it must not accept certificates it would sign.
  if (use === 'pinned') return ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature'];
  // Each address exactly (a /32 or /128 mask): the certificate may vouch for this box and nothing beside it.
  const permitted = names.map((n) => `permitted;DNS:${n}`)
    .concat(ips.map((ip) => `permitted;IP:${ip}/${isIP(ip) === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'}`));
  return [
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    // keyCertSign because it says CA:TRUE (RFC 5280 §4.2.1.9), digitalSignature for the ECDHE handshake.
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext', `nameConstraints=critical,${permitted.join(',')}`,
  ];
}

/** Reads a key and certificate, checks that they belong together, and describes the certificate. */
export function describePair(kind: Pick<CertificateKind, 'what' | 'remedy'>, files: TlsFiles): Omit<CertificateInfo, 'created'> {
  const cert = readPem(kind, files.certFile, 'certificate');
  const key = readPem(kind, files.keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${files.keyFile} is not the key of ${files.certFile}`);
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `${(err as Error).message} (${kind.remedy})`, undefined, { cause: err });
  }
  return { ...files, fingerprint256: x509.fingerprint256, subjectAltName: x509.subjectAltName ?? '', validTo: x509.validTo };
}

function readPem(kind: Pick<CertificateKind, 'what'>, file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `cannot read ${kind.what} ${what} ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * base64 of the SHA-256 of the certificate's public key (SubjectPublicKeyInfo),
 * the form HPKP (RFC 7469 §2.4) and Chromium's --ignore-certificate-errors-spki-list take.
 */
export function spkiSha256(certPem: string | Buffer): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
