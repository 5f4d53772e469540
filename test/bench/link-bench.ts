/**
 * The transport over a VSAT-like link: 64 kbit/s each way, 600 ms round
 * trip, 2 % packet loss, outages. Each figure is a ratio against the link's
 * physical limit, so it means the same on any machine.
 */
import { LinkEmulator, type LinkOptions } from '../link/link-emulator.js';
import type { Hub } from '../../hub/hub.js';
import type { Post } from '../../node/post.js';
import { quietLogger } from '../support/logger.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { brokerTarget, enrolPost, startHub, startPost, viaPort } from '../support/stack.js';
import { MqttCarrier } from '../../relay/mqtt-carrier.js';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { delay, waitFor } from '../support/wait.js';

export const RATE_BPS = 64_000;
export const RTT_S = 0.6;
const LINK: Omit<LinkOptions, 'target'> = { upRateBps: RATE_BPS, downRateBps: RATE_BPS, latencyMs: (RTT_S * 1000) / 2, lossRate: 0.02, queueBytes: 16 * 1024 };
/** What a VSAT post would run with: chunks sized for the nominal rate, keepalive short enough to notice a dead beam. */
const POST_LINK = { expectedRateBps: RATE_BPS, minRtoMs: 3000, initialRtoMs: 5000, keepaliveS: 20, reconnectMs: 1000, tickMs: 100 };

type Rig = { hub: Hub; post: Post; link: LinkEmulator; cleanup: () => Promise<void> };

async function rig(name: string, linkOpts: Partial<LinkOptions> = {}, o: { plain?: boolean } = {}): Promise<Rig> {
  const { dir, cleanup } = tempDir(`chasqui-bench-${name}-`);
  // TLS as in production; plain (loopback only) just to measure what TLS costs.
  const hub = await startHub({ dir, logger: quietLogger(), ...(o.plain ? { plain: true } : {}) });
  const { password, hubIdentity } = enrolPost(hub, dir, 'post-bench');
  const link = new LinkEmulator({ ...LINK, ...linkOpts, target: brokerTarget(hub) });
  const linkPort = await link.start();
  const post = await startPost({ dir, postId: 'post-bench', url: viaPort(hub.brokerUrl(), linkPort), password, hubIdentity, link: POST_LINK });
  await waitFor(() => post.connected(), { what: 'post connected', timeoutMs: 30_000 });
  return { hub, post, link, cleanup: async () => { await post.stop(); await link.stop(); await hub.stop(); cleanup(); } };
}

/** A case of about `bytes` of attachments, cut from a real photograph (JPEG data does not compress, like a real clinical photo). */
function caseOf(id: string, bytes: number, priority: 'urgent' | 'routine' = 'routine') {
  const photo = sharedFile('photos/iphone_hdr_YES.jpg');
  const parts = [];
  for (let off = 0; off < bytes; off += photo.length) parts.push(photo.subarray(0, Math.min(photo.length, bytes - off)));
  return { caseId: id, priority, body: { reason: 'bench' }, attachments: [{ name: 'foto.jpg', mediaType: 'image/jpeg', bytes: Buffer.concat(parts) }] };
}

async function deliver(post: Post, caseId: string, timeoutMs: number): Promise<void> {
  await waitFor(() => post.cases.get(caseId)?.status.state === 'delivered', { what: `${caseId} delivered`, timeoutMs, intervalMs: 20 });
}

/** One 300 KB case on a quiet (lossy, no outage) link: delivery time vs ideal, and wire bytes vs bundle bytes. */
export async function deliveryAndOverhead(o: { plain?: boolean } = {}) {
  const r = await rig('delivery', {}, o);
  try {
    r.link.resetStats();
    const t0 = performance.now();
    const { view } = r.post.cases.submit(caseOf('d1', 300_000));
    await deliver(r.post, 'd1', 120_000);
    const seconds = (performance.now() - t0) / 1000;
    const s = r.link.stats();
    const ideal = (view.bundleSize * 8) / RATE_BPS + 3 * RTT_S;
    return {
      bundleBytes: view.bundleSize, rawBytes: view.rawSize, seconds, idealSeconds: ideal, wireBytes: s.upBytes + s.downBytes,
      deliveryVsIdeal: seconds / ideal,
      // Retransmissions the emulated TCP makes are the link's cost, not the protocol's.
      overheadRatio: (s.upBytes + s.downBytes) / view.bundleSize - 1,
      wireVsRaw: (s.upBytes + s.downBytes) / view.rawSize,
    };
  } finally {
    await r.cleanup();
  }
}

/** A routine backlog drains while the link is cut at the given moments: goodput and resent bytes per outage. */
export async function goodputUnderOutages(opts: { backlogBytes: number; outagesAtS: number[]; outageS: number; link?: Partial<LinkOptions> }) {
  const r = await rig('goodput', opts.link);
  try {
    const ids: string[] = [];
    let bundleBytes = 0;
    for (let i = 0; bundleBytes < opts.backlogBytes; i++) {
      const { view } = r.post.cases.submit(caseOf(`g${i}`, 100_000));
      ids.push(view.caseId);
      bundleBytes += view.bundleSize;
    }
    r.link.resetStats();
    const t0 = performance.now();
    const timers = opts.outagesAtS.map((s) => setTimeout(() => r.link.cut(opts.outageS * 1000), s * 1000));
    for (const id of ids) await deliver(r.post, id, 900_000);
    timers.forEach(clearTimeout);
    const elapsed = (performance.now() - t0) / 1000;
    const s = r.link.stats();
    const upSeconds = elapsed - s.outageMs / 1000;
    return {
      bundleBytes, seconds: elapsed, outages: s.outages, outageSeconds: s.outageMs / 1000,
      goodputRatio: (bundleBytes * 8) / (RATE_BPS * upSeconds),
      retransmitBytesPerOutage: s.outages ? r.post.relay.counters.resentBytes / s.outages : 0,
    };
  } finally {
    await r.cleanup();
  }
}

/**
 * An urgent ECG submitted behind a 20 MB routine backlog: how long until the
 * hub holds it, against the same ECG's own transfer time on the idle link
 * (measured first, so it includes what the link itself costs: loss, framing,
 * the final acknowledgement).
 */
export async function urgentBehindBacklog(backlogBytes: number) {
  const r = await rig('urgent');
  try {
    const ecg = [
      { name: '100s.hea', mediaType: 'text/plain', bytes: sharedFile('ecg/mitdb/100s.hea') },
      { name: '100s.dat', mediaType: 'application/x-wfdb-signal', bytes: sharedFile('ecg/mitdb/100s.dat') },
    ];
    const timed = async (caseId: string) => {
      const t0 = performance.now();
      const { view } = r.post.cases.submit({ caseId, priority: 'urgent', body: { reason: 'dolor torácico' }, attachments: ecg });
      await deliver(r.post, caseId, 300_000);
      return { seconds: (performance.now() - t0) / 1000, bytes: view.bundleSize };
    };
    const alone = await timed('urgent-alone');
    for (let i = 0; i * 2_000_000 < backlogBytes; i++) r.post.cases.submit(caseOf(`bulk${i}`, 2_000_000));
    await delay(15_000);
    const behind = await timed('urgent-behind');
    const chunk = ((r.post.relay.outbox.recent('hub', 1)[0]?.chunkSize ?? 8192) * 8) / RATE_BPS;
    return {
      urgentBytes: behind.bytes, latencySeconds: behind.seconds, ownTransferSeconds: alone.seconds,
      serialisationSeconds: (behind.bytes * 8) / RATE_BPS, bound: alone.seconds + chunk + 2 * RTT_S, chunkSeconds: chunk,
    };
  } finally {
    await r.cleanup();
  }
}

/**
 * What one reconnect after a cut costs on the VSAT link, from the first byte of the new connection to
 * CONNACK: bytes both ways and time in round trips. TLS 1.3 needs its one round trip either way (Node
 * has no 0-RTT early data); resuming the session saves the certificate and its signature, i.e. bytes
 * and their serialisation time on a 64 kbit/s link. `plain` is the same reconnect without TLS.
 */
export async function reconnectCost(o: { resumeTls: boolean; plain?: boolean }) {
  const { dir, cleanup } = tempDir('chasqui-bench-reconnect-');
  const hub = await startHub({ dir, logger: quietLogger(), ...(o.plain ? { plain: true } : {}) });
  const password = hub.posts.register('post-rc');
  const link = new LinkEmulator({ ...LINK, lossRate: 0, target: brokerTarget(hub) });
  const port = await link.start();
  const carrier = new MqttCarrier({
    url: viaPort(hub.brokerUrl(), port), ca: hub.brokerCa(), clientId: postClientId('post-rc'), username: 'post-rc', password,
    subscriptions: [], keepaliveS: 60, reconnectMs: 500, connectTimeoutMs: 30_000, resumeTls: o.resumeTls, logger: quietLogger(),
  });
  let connectedAt = 0;
  carrier.on('connected', () => { connectedAt = performance.now(); });
  try {
    await carrier.start();
    await waitFor(() => connectedAt > 0, { what: 'connected', timeoutMs: 30_000 });
    await delay(2 * RTT_S * 1000); // the session tickets follow the handshake
    const samples: Array<{ bytes: number; roundTrips: number }> = [];
    for (let i = 0; i < 3; i++) {
      connectedAt = 0;
      link.cut(200);
      await delay(250);
      const before = link.stats().connections;
      // The new connection's first byte leaves once the proxy accepts it; the emulator adds delay to data only.
      await waitFor(() => link.stats().connections > before, { what: 'new connection', timeoutMs: 30_000, intervalMs: 1 });
      link.resetStats();
      const t0 = performance.now();
      await waitFor(() => connectedAt > 0, { what: 'reconnected', timeoutMs: 30_000, intervalMs: 1 });
      const st = link.stats();
      samples.push({ bytes: st.upBytes + st.downBytes, roundTrips: (connectedAt - t0) / 1000 / RTT_S });
      await delay(2 * RTT_S * 1000);
    }
    const mean = (f: (x: { bytes: number; roundTrips: number }) => number) => samples.reduce((n, x) => n + f(x), 0) / samples.length;
    return { bytes: mean((x) => x.bytes), roundTrips: mean((x) => x.roundTrips), resumed: carrier.tlsCounters.resumed, handshakes: carrier.tlsCounters.handshakes };
  } finally {
    await carrier.stop();
    await link.stop();
    await hub.stop();
    cleanup();
  }
}
