/**
 * HTTPS for a web app (the nurse app on a post, the specialists' app at the
 * hub), decided and prepared when the app is built, before anything listens.
 *
 * The rule, from `http.tls.enabled`:
 * - unset (every config written before HTTPS existed, and new ones): HTTPS
 *   exactly when `http.host` is not loopback. A phone on the post's Wi-Fi
 *   must never send a nurse's password in clear; a loopback listener (tests,
 *   the demo, a reverse proxy on the same box) stays plain.
 * - `false` off loopback: the app starts, with a warning at every start.
 *   Unlike plain MQTT (relay/link-security.ts refusePlainOffLoopback), this
 *   is not refused: a hub behind a TLS-terminating proxy on another machine
 *   is a real setup the app cannot see, and it is said in the config in so
 *   many words.
 * - `true`: HTTPS, on loopback too.
 *
 * Without `http.tls.cert`/`key` the app makes its own certificate in
 * <dataDir>/tls/ (lib/tls/self-signed-certificate.ts, `installed`), named
 * for the box's hostname and addresses so a phone that reaches it by either
 * matches, and keeps it: phones trusted this one, so a new address is a
 * warning, not a silent new certificate (`chasqui post certificate --force`).
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { ChasquiError } from '../errors.js';
import { isLoopbackHost } from '../loopback.js';
import {
  DNS_NAME, describePair, ensureSelfSignedCertificate, type CertificateInfo, type CertificateKind, type TlsFiles,
} from './self-signed-certificate.js';

/**
 * Ten years, as the hub's broker certificate and for the same reason: phones
 * trust this very certificate, so a new one means every nurse installing it
 * again, and with HSTS on a name a browser lets nobody past a certificate
 * error; an expiry date would only add the day the post cannot be reached.
 */
export const WEB_CERT_DAYS = 3650;

export type WebApp = 'post' | 'hub';

export type HttpConfig = {
  host: string; port: number;
  tls: { enabled?: boolean | undefined; cert?: string | undefined; key?: string | undefined; names: readonly string[]; ips: readonly string[] };
};

export type WebCertificate = CertificateInfo & {
  /** The same certificate as DER, the form a phone's installer takes (also served at /certificado.crt). */
  derFile: string;
  /** Made by the app (false: `http.tls.cert` from the config). */
  own: boolean;
};

export type WebTls = {
  /** For Fastify({ https }); undefined: plain HTTP. */
  https: { key: string; cert: string } | undefined;
  certificate: WebCertificate | undefined;
  /** The certificate's DER bytes, served at /certificado.crt. */
  der: Buffer | undefined;
  /** To be said loudly at every start. */
  warnings: string[];
};

/** What the box says about itself (os in production; a test passes its own). */
export type BoxFacts = { hostname(): string; networkInterfaces(): NodeJS.Dict<NetworkInterfaceInfo[]> };
const THIS_BOX: BoxFacts = { hostname, networkInterfaces };

export function webTlsEnabled(http: HttpConfig): boolean {
  return http.tls.enabled ?? !isLoopbackHost(http.host);
}

export function webTlsFiles(dataDir: string): TlsFiles & { derFile: string } {
  const dir = join(dataDir, 'tls');
  return { certFile: join(dir, 'web-cert.pem'), keyFile: join(dir, 'web-key.pem'), derFile: join(dir, 'web-cert.crt') };
}

export function webCertificateKind(app: WebApp): CertificateKind {
  return {
    commonName: `chasqui-${app}`, what: `the ${app}'s web`, remedy: `chasqui ${app} certificate --force makes a new pair`,
    days: WEB_CERT_DAYS, use: 'installed', nameSetting: 'http.tls.names', ipSetting: 'http.tls.ips',
  };
}

/** The names and addresses a phone may reach this box by: the config's, the hostname (and its mDNS .local), every non-loopback address. */
export function boxNames(http: HttpConfig, box: BoxFacts = THIS_BOX): { names: string[]; ips: string[] } {
  const names = [...http.tls.names];
  const host = box.hostname().toLowerCase();
  if (DNS_NAME.test(host) && !isLoopbackHost(host)) names.push(host, ...(host.includes('.') ? [] : [`${host}.local`]));
  const ips = [...http.tls.ips];
  for (const list of Object.values(box.networkInterfaces())) {
    for (const a of list ?? []) {
      // Link-local IPv6 needs a zone (%wlan0) that no certificate or typed URL carries.
      if (a.internal || isLoopbackHost(a.address) || /^fe[89ab]/i.test(a.address)) continue;
      ips.push(a.address);
    }
  }
  if (isIP(http.host) && !isLoopbackHost(http.host) && !['0.0.0.0', '::'].includes(http.host)) ips.push(http.host);
  return { names: [...new Set(names)], ips: [...new Set(ips.map(canonicalIp))] };
}

/** The app's own pair (made if absent, or with `force`), or the configured one (read and checked); its DER copy rewritten. */
export function ensureWebCertificate(app: WebApp, http: HttpConfig, dataDir: string, o: { force?: boolean; box?: BoxFacts; openssl?: string } = {}): WebCertificate {
  const { cert, key } = http.tls;
  if (!cert !== !key) throw new ChasquiError('CHASQUI_ERR_CONFIG', 'http.tls.cert and http.tls.key go together: give both, or neither for the app\'s own pair');
  const files = webTlsFiles(dataDir);
  const kind = webCertificateKind(app);
  let info: CertificateInfo;
  if (cert && key) {
    if (o.force) throw new ChasquiError('CHASQUI_ERR_USAGE', `http.tls.cert is ${cert}: replace it where it came from, or remove http.tls.cert/key for the ${app}'s own pair`);
    info = { ...describePair(kind, { certFile: cert, keyFile: key }), created: false };
  } else {
    info = ensureSelfSignedCertificate(kind, { files, ...boxNames(http, o.box), force: o.force, openssl: o.openssl });
  }
  mkdirSync(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
  writeFileSync(files.derFile, new X509Certificate(readFileSync(info.certFile)).raw, { mode: 0o644 });
  return { ...info, derFile: files.derFile, own: !cert };
}

/** What the app serves: HTTPS with its certificate, or plain HTTP; refusals (CHASQUI_ERR_TLS_CERT, CHASQUI_ERR_CONFIG) come here, at build time. */
export function prepareWebTls(app: WebApp, http: HttpConfig, dataDir: string, o: { box?: BoxFacts; openssl?: string } = {}): WebTls {
  if (!webTlsEnabled(http)) {
    const warnings = isLoopbackHost(http.host) ? [] : [
      `http.tls.enabled is false and the ${app} listens on ${http.host}: passwords and patient data cross the network in clear ` +
      '(only for a TLS-terminating proxy in front of it; remove the setting for HTTPS)',
    ];
    return { https: undefined, certificate: undefined, der: undefined, warnings };
  }
  const certificate = ensureWebCertificate(app, http, dataDir, o);
  const cert = readFileSync(certificate.certFile, 'utf8');
  const warnings: string[] = [];
  if (certificate.own) {
    const named = new Set(certificate.subjectAltName.split(', ').map((s) => s.replace(/^(DNS|IP Address):/, '')).map(canonicalIp));
    const { names, ips } = boxNames(http, o.box);
    const missing = [...names, ...ips].filter((n) => !named.has(n));
    if (missing.length) {
      warnings.push(`the ${app}'s web certificate does not name ${missing.join(', ')}: a phone reaching it so sees a certificate warning ` +
        `(chasqui ${app} certificate --force makes a new one, which every phone must then install again)`);
    }
  }
  return { https: { key: readFileSync(certificate.keyFile, 'utf8'), cert }, certificate, der: new X509Certificate(cert).raw, warnings };
}

/** One spelling per address, so `0:0:0:0:0:0:0:1` (as a certificate prints it) and `::1` compare equal. */
function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '') : ip;
}

/** The lines `chasqui post|hub certificate` and `init` print, so a field engineer copies the fingerprint to the box's label. */
export function certificateReport(app: WebApp, c: WebCertificate, http: HttpConfig): string[] {
  const served = webTlsEnabled(http)
    ? `served over HTTPS on ${http.host}:${http.port}; phones download it at https://ADDRESS:${http.port}/certificado.crt`
    : `not served: http.host ${http.host} is loopback, so the ${app} speaks plain HTTP (http.tls.enabled: true serves it)`;
  return [
    `web certificate: ${c.certFile} ${c.own ? (c.created ? 'created' : `kept (chasqui ${app} certificate --force replaces it)`) : '(http.tls.cert)'}`,
    `for phones (DER): ${c.derFile}`,
    `SHA-256 fingerprint: ${c.fingerprint256}  <- write it on the box's label`,
    `names: ${c.subjectAltName}`,
    `valid until: ${c.validTo}`,
    served,
  ];
}
