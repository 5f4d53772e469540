/**
 * What a broker URL and its pin may do, decided once before any socket opens
 * (pure: no I/O). A link that leaves the machine is TLS and pinned, so a
 * post's password and its patients' data never cross a VSAT beam, a radio
 * link or someone else's broker in the clear:
 * - `mqtt://` and `ws://` only to loopback (a broker on the same box, tests);
 * - `mqtts://` and `wss://` only with a pinned certificate or CA (`hub.ca`,
 *   `broker.ca`): the system's CA store would let any public CA vouch for the
 *   hub, and posts reach hubs by changing addresses, not by public names.
 * A refusal is a ChasquiError at startup, never a reconnect loop.
 */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { ChasquiError } from '../lib/errors.js';
import { isLoopbackHost } from '../lib/loopback.js';

export { isLoopbackHost };

export type LinkPlan =
  | { secure: false; scheme: 'mqtt' | 'ws'; host: string; port: number; url: string }
  | { secure: true; scheme: 'mqtts' | 'wss'; host: string; port: number; url: string; ca: string };

const DEFAULT_PORT = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;

/** A listener without TLS is for loopback only: `what` names the setting or file at fault. */
export function refusePlainOffLoopback(host: string, what: string): void {
  if (!isLoopbackHost(host)) {
    throw new ChasquiError('CHASQUI_ERR_TLS_PLAIN_REMOTE', `${what} listens on ${host} without TLS; plain MQTT is for loopback only`);
  }
}

/**
 * @param setting the config key that holds the pin, named in the errors
 * (`hub.ca` on a post, `broker.ca` on a hub with an external broker).
 */
export function planLink(url: string, pin: { ca?: string | undefined; setting: string; urlSetting: string }): LinkPlan {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `${pin.urlSetting} "${url}" is not a URL (e.g. mqtts://hub.example.pe:8883)`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!(scheme in DEFAULT_PORT)) {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `${pin.urlSetting} "${url}": the scheme must be mqtts:// (or mqtt:// to loopback), not ${scheme}://`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORT[scheme as keyof typeof DEFAULT_PORT];
  if (scheme === 'mqtt' || scheme === 'ws') {
    if (!isLoopbackHost(host)) {
      throw new ChasquiError('CHASQUI_ERR_TLS_PLAIN_REMOTE',
        `${pin.urlSetting} "${url}" would send the password and patient data unencrypted to ${host}; use ${scheme}s:// with ${pin.setting}`,
        { url, host });
    }
    return { secure: false, scheme, host, port, url };
  }
  if (!pin.ca) {
    throw new ChasquiError('CHASQUI_ERR_TLS_NO_PIN',
      `${pin.urlSetting} "${url}" needs ${pin.setting}: the PEM file of the hub's certificate (chasqui hub init prints where it is)`, { url });
  }
  return { secure: true, scheme: scheme as 'mqtts' | 'wss', host, port, url, ca: pin.ca };
}

/** Every certificate in a PEM text (a pinned leaf, or a CA and its intermediates). */
export function parsePins(pem: string, source: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `${source} holds no PEM certificate`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `${source}: ${(err as Error).message}`, undefined, { cause: err });
    }
  });
}

/**
 * For tls.connect's checkServerIdentity, which runs only once the chain is
 * valid under the pins: a leaf that *is* a pinned certificate passes whatever
 * name or address the post used (its hub's address changes; the pin is the
 * identity); any other leaf must carry the name it was reached by.
 */
export function pinnedIdentity(pins: readonly X509Certificate[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => (pins.some((p) => cert.raw?.equals(p.raw)) ? undefined : checkServerIdentity(host, cert));
}

/** OpenSSL's and Node's codes for a certificate the pins do not vouch for (as opposed to a broken or cut connection). */
export function isUntrustedCertificate(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' &&
    /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_[A-Z_]+|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)$/.test(code);
}
