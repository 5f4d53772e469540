/**
 * What TLS the hub runs, from its config: the embedded broker's key and
 * certificate (made on first start when they are the defaults and absent),
 * or the pin of an external broker. Refusals come at build time, before
 * anything listens or connects.
 */
import { planLink, refusePlainOffLoopback } from '../../relay/link-security.js';
import type { HubConfig } from '../config.js';
import { defaultHubTlsFiles, describePair, ensureHubCertificate, type HubCertificate, type HubTlsFiles } from './hub-certificate.js';

export type HubTls = {
  /** The embedded broker's key and certificate; undefined when it listens plain (loopback) or the broker is external. */
  listener: HubTlsFiles | undefined;
  /** The certificate the hub's own client pins, and posts are given. */
  pin: string | undefined;
  /** At start: make the default pair if absent, check that it pairs; undefined when there is none to check. */
  prepare(): HubCertificate | undefined;
};

export function hubTls(config: HubConfig): HubTls {
  const b = config.broker;
  if (b.mode === 'external') {
    // Pure: refuses a plain remote URL or an unpinned mqtts:// now rather than at the first connect.
    if (b.url) planLink(b.url, { ca: b.ca, setting: 'broker.ca', urlSetting: 'broker.url' });
    return { listener: undefined, pin: b.ca, prepare: () => undefined };
  }
  if (!b.tls.enabled) {
    refusePlainOffLoopback(b.host, 'broker.tls.enabled is false: the broker');
    return { listener: undefined, pin: undefined, prepare: () => undefined };
  }
  const defaults = defaultHubTlsFiles(config.dataDir);
  const files = { certFile: b.tls.cert ?? defaults.certFile, keyFile: b.tls.key ?? defaults.keyFile };
  // Only the hub's own default pair is made for it; a configured one (e.g. from a CA) must already exist.
  const own = !b.tls.cert && !b.tls.key;
  return {
    listener: files,
    pin: files.certFile,
    prepare: () => (own ? ensureHubCertificate({ files }) : { ...describePair(files), created: false }),
  };
}
