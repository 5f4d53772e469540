/**
 * The hub's broker key and self-signed certificate (lib/tls/self-signed-certificate.ts),
 * a leaf every post pins.
 *
 * Ten years, on purpose. Posts pin this very certificate (hub.ca), so
 * replacing it means a provisioning run on every post, some a day away by
 * river; an expiry date adds nothing to a pin but a day on which every post
 * stops at once. A compromised key is replaced deliberately (`chasqui hub
 * init --force`, then `provision-post.sh --hub-ca` on each post).
 */
import { join } from 'node:path';
import {
  describePair as describeAny, ensureSelfSignedCertificate, type CertificateInfo, type CertificateKind, type EnsureOptions, type TlsFiles,
} from '../../lib/tls/self-signed-certificate.js';

export const HUB_CERT_DAYS = 3650;

export type HubTlsFiles = TlsFiles;
export type HubCertificate = CertificateInfo;

const HUB_BROKER: CertificateKind = {
  commonName: 'chasqui-hub', what: 'the hub\'s TLS', remedy: 'chasqui hub init --force makes a new pair', days: HUB_CERT_DAYS, use: 'pinned',
};

export function defaultHubTlsFiles(dataDir: string): HubTlsFiles {
  return { certFile: join(dataDir, 'tls', 'hub-cert.pem'), keyFile: join(dataDir, 'tls', 'hub-key.pem') };
}

/** Keeps a valid existing pair unless `force`; otherwise makes one. `names`: DNS names posts reach the hub by (`--name`). */
export function ensureHubCertificate(o: EnsureOptions): HubCertificate {
  return ensureSelfSignedCertificate(HUB_BROKER, o);
}

/** Reads a key and certificate, checks that they belong together, and describes the certificate. */
export function describePair(files: HubTlsFiles): Omit<HubCertificate, 'created'> {
  return describeAny(HUB_BROKER, files);
}
