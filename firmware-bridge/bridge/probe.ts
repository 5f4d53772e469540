/**
 * `chasqui bridge probe PORT`: which device is on this port? A field
 * engineer at a post has a USB-serial lead and no label. Each known protocol
 * is tried at each line setting its devices are known to use: the port is
 * opened, the protocol's opening words are said (start streaming, ping), and
 * the decoder listens. A protocol is recognised when its decoder accepts
 * frames and most bytes heard belong to frames — another device's stream,
 * read with the wrong framing, fails its checks and is counted as dropped.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { DeviceProtocol, SerialSettings } from '../devices/stream-decoder.js';
import { openSerial } from '../serial/serial-link.js';

export interface ProbeCandidate {
  protocol: DeviceProtocol;
  serial: SerialSettings;
}

export interface ProbeAttempt {
  protocol: string;
  serial: SerialSettings;
  bytes: number;
  frames: number;
  droppedBytes: number;
  recognised: boolean;
}

export interface ProbeResult {
  found: ProbeAttempt | undefined;
  attempts: ProbeAttempt[];
}

/** Pure: did an attempt hear this protocol? At least two frames, and at most a quarter of the bytes dropped. */
export function recognised(a: Pick<ProbeAttempt, 'bytes' | 'frames' | 'droppedBytes'>): boolean {
  return a.frames >= 2 && a.droppedBytes <= a.bytes / 4;
}

/** Each protocol at its factory setting, then the other rates its device family is sold with. */
export function candidates(protocols: DeviceProtocol[], extraBauds: Record<string, number[]> = {}): ProbeCandidate[] {
  const out: ProbeCandidate[] = [];
  for (const p of protocols) {
    out.push({ protocol: p, serial: p.serial });
    for (const baudRate of extraBauds[p.id] ?? []) out.push({ protocol: p, serial: { ...p.serial, baudRate } });
  }
  return out;
}

export async function probePort(path: string, list: ProbeCandidate[], listenMs = 1500): Promise<ProbeResult> {
  const attempts: ProbeAttempt[] = [];
  for (const c of list) {
    const a = await attempt(path, c, listenMs);
    attempts.push(a);
    if (a.recognised) return { found: a, attempts };
  }
  return { found: undefined, attempts };
}

async function attempt(path: string, c: ProbeCandidate, listenMs: number): Promise<ProbeAttempt> {
  const session = c.protocol.createSession();
  let bytes = 0;
  const link = await openSerial(path, c.serial, (b) => {
    bytes += b.length;
    const readings = session.decoder.push(b);
    for (const r of session.onReadings(readings)) link.write(r);
  });
  try {
    for (const b of session.open()) link.write(b);
    const until = Date.now() + listenMs;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      for (const b of session.tick(Date.now())) link.write(b);
    }
    for (const b of session.close()) link.write(b);
  } finally {
    await link.close();
  }
  const s = session.decoder.stats();
  const a = { protocol: c.protocol.id, serial: c.serial, bytes, frames: s.frames, droppedBytes: s.droppedBytes };
  return { ...a, recognised: recognised(a) };
}

export function notRecognised(path: string, r: ProbeResult): ChasquiError {
  const heard = r.attempts.reduce((n, a) => n + a.bytes, 0);
  const why = heard === 0 ? 'the port stayed silent (is the device switched on?)' : `${heard} bytes were heard but fit no known protocol`;
  return new ChasquiError('CHASQUI_ERR_DEVICE_UNKNOWN', `${path}: ${why}`, { attempts: r.attempts });
}
