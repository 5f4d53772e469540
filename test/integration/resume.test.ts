/**
 * Breaks in the middle of a transfer, through the link emulator so a
 * transfer takes seconds: only what the hub lacks travels again, and an
 * urgent case overtakes a routine backlog.
 */
import t from 'tap';
import { LinkEmulator } from '../link/link-emulator.js';
import type { Hub } from '../../hub/hub.js';
import type { Post } from '../../node/post.js';
import { freePort } from '../support/ports.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { enrolPost, startHub, startPost, viaPort } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const photo = (name: string) => ({ name: `${name}.jpg`, mediaType: 'image/jpeg', bytes: sharedFile(`photos/${name}.jpg`) });

async function linked(t: Tap, dir: string, rateBps: number, brokerPort?: number, outageMode: 'reset' | 'blackhole' = 'reset'): Promise<{ hub: Hub; post: Post; link: LinkEmulator; restartHub: () => Promise<Hub> }> {
  const port = brokerPort ?? (await freePort());
  let hub = await startHub({ dir, broker: { port } });
  const { password, hubIdentity } = enrolPost(hub, dir, 'post-r');
  const link = new LinkEmulator({ target: { host: '127.0.0.1', port }, upRateBps: rateBps, downRateBps: rateBps, latencyMs: 20, lossRate: 0, outageMode });
  const linkPort = await link.start();
  const post = await startPost({ dir, postId: 'post-r', url: viaPort(hub.brokerUrl(), linkPort), password, hubIdentity, link: { expectedRateBps: rateBps } });
  t.teardown(async () => {
    await post.stop();
    await link.stop();
    await hub.stop();
  });
  return {
    hub, post, link,
    restartHub: async () => {
      await hub.stop();
      hub = await startHub({ dir, broker: { port } });
      return hub;
    },
  };
}
type Tap = { teardown(fn: () => Promise<void> | void): void };

t.test('a hub restart mid-transfer: the post resumes and resends only what the hub lacks', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { post, restartHub } = await linked(t, dir, 2_000_000);
  const { view } = post.cases.submit({ caseId: 'r1', priority: 'routine', body: {}, attachments: [photo('HMD_Nokia_8.3_5G')] });
  await waitFor(() => (post.cases.get('r1')?.status.percent ?? 0) >= 40, { what: '40 % acknowledged', timeoutMs: 30_000, intervalMs: 10 });
  const hub = await restartHub();
  const held = hub.relay.inbox.get('post-r', view.bundleId)?.have.count ?? 0;
  t.ok(held > 0, `the restarted hub still holds ${held} chunks`);
  await waitFor(() => post.cases.get('r1')?.status.state === 'delivered', { what: 'delivered after restart', timeoutMs: 60_000 });
  const chunk = post.relay.outbox.get('hub', view.bundleId)!.chunkSize;
  t.ok(post.relay.counters.resentBytes <= 4 * chunk, `resent ${post.relay.counters.resentBytes} B, at most the window (${4 * chunk} B)`);
  t.equal(hub.cases.count(), 1);
  t.ok(hub.cases.blobs.get(hub.cases.list()[0]!.attachments[0]!.sha256)?.equals(photo('HMD_Nokia_8.3_5G').bytes), 'byte-identical');
});

t.test('an urgent case overtakes a routine backlog within a chunk', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { post } = await linked(t, dir, 1_000_000);
  const routine = ['iphone_hdr_YES', 'T-45A_Goshawk_03', 'HMD_Nokia_8.3_5G'];
  routine.forEach((name, i) => post.cases.submit({ caseId: `routine-${i}`, priority: 'routine', body: {}, attachments: [photo(name)] }));
  await waitFor(() => (post.cases.get('routine-0')?.status.percent ?? 0) >= 10, { what: 'backlog draining', timeoutMs: 30_000, intervalMs: 10 });
  post.cases.submit({
    caseId: 'urgent', priority: 'urgent', body: { reason: 'dolor torácico' },
    attachments: [{ name: '100s.dat', mediaType: 'application/x-wfdb-signal', bytes: sharedFile('ecg/mitdb/100s.dat') }],
  });
  await waitFor(() => post.cases.get('urgent')?.status.state === 'delivered', { what: 'urgent delivered', timeoutMs: 30_000, intervalMs: 10 });
  const states = routine.map((_, i) => post.cases.get(`routine-${i}`)?.status.state);
  t.same(states, ['sending', 'waiting', 'waiting'], 'the urgent case arrived while the first routine case was still on its way');
});

t.test('a link that goes silent (no reset, as a satellite modem losing sync) is noticed by keepalive and the case still arrives', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { post, link, hub } = await linked(t, dir, 2_000_000, undefined, 'blackhole');
  post.cases.submit({ caseId: 's1', priority: 'urgent', body: {}, attachments: [photo('iphone_hdr_YES')] });
  await waitFor(() => (post.cases.get('s1')?.status.percent ?? 0) >= 20, { what: '20 %', timeoutMs: 30_000, intervalMs: 10 });
  link.cut();
  // keepalive is 5 s in the test stack: mqtt.js gives up on a silent broker after about one and a half of them.
  await waitFor(() => !post.connected(), { what: 'post notices the dead link', timeoutMs: 15_000 });
  link.restore();
  await waitFor(() => post.cases.get('s1')?.status.state === 'delivered', { what: 'delivered after the silence', timeoutMs: 60_000 });
  t.equal(hub.cases.count(), 1);
});
