/**
 * One hub certificate per test process, made once by the real openssl (as
 * `chasqui hub init` makes it) into a temp dir removed at exit, so every hub,
 * post and Mosquitto of the suite speaks TLS without paying for a key per test.
 * `imposterTls()` is a second, unrelated pair: a hub that is not the pinned one.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ensureHubCertificate } from '../../hub/tls/hub-certificate.js';

export type TestTls = {
  certFile: string; keyFile: string; cert: string; key: string; fingerprint256: string;
  /** For a bare mqtt.js client in a test: trust this certificate (its SAN has 127.0.0.1 and localhost). */
  clientOptions: { ca: string[] };
};

const made = new Map<string, TestTls>();
let dir: string | undefined;

function pair(name: string): TestTls {
  const have = made.get(name);
  if (have) return have;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'chasqui-tls-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const c = ensureHubCertificate({ files: { certFile: join(dir, `${name}-cert.pem`), keyFile: join(dir, `${name}-key.pem`) } });
  const cert = readFileSync(c.certFile, 'utf8');
  const tls = { certFile: c.certFile, keyFile: c.keyFile, cert, key: readFileSync(c.keyFile, 'utf8'), fingerprint256: c.fingerprint256, clientOptions: { ca: [cert] } };
  made.set(name, tls);
  return tls;
}

export const testTls = (): TestTls => pair('hub');
export const imposterTls = (): TestTls => pair('imposter');

/**
 * A raw socket to a broker URL, for tests that write MQTT bytes by hand:
 * TLS trusting the suite's certificate for mqtts://, plain TCP for mqtt://.
 */
export function brokerSocket(url: string, onConnect: () => void): Socket {
  const u = new URL(url);
  const at = { host: u.hostname, port: Number(u.port) };
  return u.protocol === 'mqtts:' ? tlsConnect({ ...at, ca: testTls().clientOptions.ca }, onConnect) : tcpConnect(at, onConnect);
}
