/** Link health at the hub: a real SQLite file, the hub's real cases and inbox tables, a clock moved by hand. */
import t from 'tap';
import { HubCaseStore } from '../../../hub/cases/case-store.js';
import { LinkHealthStore } from '../../../hub/links/link-health-store.js';
import type { LinksConfig } from '../../../hub/links/links-config.js';
import { linkSummaries } from '../../../hub/links/link-summaries.js';
import type { Heartbeat } from '../../../protocol/heartbeat.js';
import { InboxStore } from '../../../relay/inbox-store.js';
import { testDb } from '../../support/db.js';
import { sampleHeartbeat } from '../../support/sample-heartbeat.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const CFG: LinksConfig = { heartbeatIntervalS: 300, silentAfterMinutes: 60, stuckAfterHours: 24, keepDays: 30 };

function setup(t: Parameters<typeof testDb>[0]) {
  const { db, clock } = testDb(t);
  new HubCaseStore(db);
  const inbox = new InboxStore(db);
  const store = new LinkHealthStore(db, CFG);
  const iso = (ms: number) => new Date(ms).toISOString();
  const beat = (over: Partial<Heartbeat> = {}) => store.record(sampleHeartbeat({ at: iso(clock.ms), ...over }), clock.ms);
  const queue = (bytes: number, oldest: number | null = null): Partial<Heartbeat> => ({ queue: { items: bytes ? 1 : 0, bytes, oldestQueuedAt: oldest === null ? null : iso(oldest) } });
  const addCase = (id: string, createdAt: number, receivedAt: number) => db.prepare(
    `INSERT INTO cases (post_id, case_id, bundle_id, priority, created_at, received_at, body) VALUES ('post-a', ?, ?, 'routine', ?, ?, '{}')`,
  ).run(id, `b-${id}`, iso(createdAt), iso(receivedAt));
  return { db, clock, inbox, store, beat, queue, addCase };
}

t.test('online within twice the interval of a heartbeat or any message; offline after', async (t) => {
  const { clock, store, beat } = setup(t);
  beat();
  let h = store.health('post-a', clock.ms);
  t.ok(h.online);
  t.notOk(h.flags.silent);
  t.equal(h.lastSeenAt, new Date(clock.ms).toISOString());
  t.same(h.backlog, sampleHeartbeat({ at: new Date(clock.ms).toISOString() }).queue);
  t.equal(h.rttMs, 640);
  clock.ms += 10 * MIN + 1;
  h = store.health('post-a', clock.ms);
  t.notOk(h.online, 'two intervals without a word');
  t.notOk(h.flags.silent, 'not yet silent: an hour is the threshold');
  store.messageSeen('post-a', clock.ms);
  h = store.health('post-a', clock.ms);
  t.ok(h.online, 'a chunk from the post proves the link as well');
  t.not(h.lastSeenAt, h.lastHeartbeatAt);
});

t.test('silent for days: flagged, offline, last seen kept', async (t) => {
  const { clock, store, beat } = setup(t);
  const at = clock.ms;
  beat();
  clock.ms += 3 * DAY;
  const h = store.health('post-a', clock.ms);
  t.ok(h.flags.silent);
  t.notOk(h.online);
  t.equal(h.lastSeenAt, new Date(at).toISOString());
  const never = store.all(clock.ms, ['post-z']).find((l) => l.postId === 'post-z')!;
  t.ok(never.flags.silent, 'a registered post never heard from is silent');
  t.equal(never.lastSeenAt, null);
  t.equal(never.heartbeat, null);
});

t.test('backlog growing: queued bytes up across the last three heartbeats', async (t) => {
  const { clock, store, beat, queue } = setup(t);
  beat(queue(100));
  clock.ms += 5 * MIN;
  beat(queue(200));
  t.notOk(store.health('post-a', clock.ms).flags.backlogGrowing, 'two heartbeats are not a trend');
  clock.ms += 5 * MIN;
  beat(queue(300));
  t.ok(store.health('post-a', clock.ms).flags.backlogGrowing);
  clock.ms += 5 * MIN;
  beat(queue(250));
  t.notOk(store.health('post-a', clock.ms).flags.backlogGrowing, 'draining again');
  clock.ms += 5 * MIN;
  beat(queue(250));
  t.notOk(store.health('post-a', clock.ms).flags.backlogGrowing, 'flat is not growing');
});

t.test('stuck: an old queue at the post, an idle partial transfer at the hub', async (t) => {
  const { clock, store, beat, queue, inbox } = setup(t);
  const shape = { kind: 1, priority: 1, totalSize: 2048, chunkSize: 1024 };
  inbox.putChunk('post-a', 'old', shape, 0, Buffer.alloc(1024), clock.ms);
  inbox.putChunk('post-a', 'done', shape, 0, Buffer.alloc(1024), clock.ms);
  inbox.finish('post-a', 'done', { state: 'complete', receipt: 'r' }, clock.ms);
  inbox.putChunk('post-b', 'other', shape, 0, Buffer.alloc(1024), clock.ms);
  beat(queue(5000, clock.ms - HOUR));
  let h = store.health('post-a', clock.ms);
  t.notOk(h.flags.stuckAtPost);
  t.equal(h.flags.stuckAtHub, 0);
  clock.ms += 25 * HOUR;
  inbox.putChunk('post-a', 'fresh', shape, 0, Buffer.alloc(1024), clock.ms);
  beat(queue(5000, clock.ms - 26 * HOUR));
  h = store.health('post-a', clock.ms);
  t.ok(h.flags.stuckAtPost, 'queued 26 h ago');
  t.equal(h.flags.stuckAtHub, 1, 'only this post\'s old partial transfer, not the finished or the fresh one');
});

t.test('throughput from counter deltas, across a restart', async (t) => {
  const { clock, store, beat } = setup(t);
  const link = (sent: number) => ({ link: { rttMs: 600, rateBps: 4000, bytesSent: sent, bytesReceived: 0 } });
  t.same(store.health('post-a', clock.ms).throughput, { lastHourBps: null, lastDayBps: null });
  beat(link(1_000_000));
  clock.ms += 30 * MIN;
  beat(link(1_900_000));
  clock.ms += 30 * MIN;
  beat(link(300_000)); // the post restarted: 300 kB since
  const h = store.health('post-a', clock.ms);
  t.equal(h.throughput.lastHourBps, (900_000 + 300_000) / 3600);
  t.equal(h.throughput.lastDayBps, h.throughput.lastHourBps);
  clock.ms += 2 * HOUR;
  beat(link(300_000 + 720_000));
  t.equal(store.health('post-a', clock.ms).throughput.lastHourBps, 720_000 / 7200, 'the sample before the window is the baseline');
});

t.test('delivery latency of the last cases: median and p90', async (t) => {
  const { clock, store, addCase } = setup(t);
  t.same(store.health('post-a', clock.ms).deliveryLatency, { n: 0, medianS: null, p90S: null });
  [60, 120, 600, 30, 90].forEach((s, i) => addCase(`c${i}`, clock.ms - s * 1000, clock.ms));
  const h = store.health('post-a', clock.ms);
  t.same(h.deliveryLatency, { n: 5, medianS: 90, p90S: 600 });
  t.equal(h.casesReceived, 5);
  for (let i = 0; i < 25; i++) addCase(`d${i}`, clock.ms - 10_000, clock.ms);
  t.same(store.health('post-a', clock.ms).deliveryLatency, { n: 20, medianS: 10, p90S: 10 }, 'only the last 20');
});

t.test('history is kept 30 days, then pruned', async (t) => {
  const { clock, store, beat } = setup(t);
  const start = clock.ms;
  beat();
  clock.ms += 29 * DAY;
  beat();
  t.equal(store.history('post-a', 0).length, 2);
  clock.ms += 2 * DAY;
  beat();
  const kept = store.history('post-a', 0);
  t.equal(kept.length, 2);
  t.ok(kept.every((h) => Date.parse(h.at) > start));
});

t.test('summaries for the operator page: names, flattened flags, a chart series', async (t) => {
  const { clock, store, beat, queue } = setup(t);
  const first = clock.ms;
  beat(queue(100));
  clock.ms += 5 * MIN;
  beat(queue(200, clock.ms - 25 * HOUR));
  const rows = linkSummaries(store, () => [{ postId: 'post-a', name: 'P.S. Huancarani' }, { postId: 'post-b', name: 'P.S. Ccatca' }])(clock.ms);
  t.same(rows.map((r) => [r.postId, r.name, r.online, r.flags.stuck]), [['post-a', 'P.S. Huancarani', true, true], ['post-b', 'P.S. Ccatca', false, false]]);
  t.same(rows[0]!.history, [{ at: first, queueBytes: 100, rttMs: 640 }, { at: clock.ms, queueBytes: 200, rttMs: 640 }]);
  t.same(rows[1]!.history, []);
});
