/** The hub's heartbeat handler: what is stored, what is refused and logged. */
import t from 'tap';
import { HubCaseStore } from '../../../hub/cases/case-store.js';
import { heartbeatIngest } from '../../../hub/links/heartbeat-ingest.js';
import { LinkHealthStore } from '../../../hub/links/link-health-store.js';
import { HubLinksMetrics } from '../../../hub/links/metrics.js';
import { InboxStore } from '../../../relay/inbox-store.js';
import { testDb } from '../../support/db.js';
import { collectingLogger } from '../../support/logger.js';
import { sampleHeartbeat } from '../../support/sample-heartbeat.js';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));

t.test('stores a post\'s own heartbeat; refuses forged, malformed and unknown ones with a logged code', async (t) => {
  const { db, clock } = testDb(t);
  new HubCaseStore(db);
  new InboxStore(db);
  const store = new LinkHealthStore(db, { heartbeatIntervalS: 300, silentAfterMinutes: 60, stuckAfterHours: 24, keepDays: 30 });
  const { logger, lines } = collectingLogger();
  const ingest = heartbeatIngest({ store, clock, logger, isKnownPost: (id) => id === 'post-a' || id === 'post-b' });

  t.equal(ingest('chasqui/v1/post-a/up', enc(sampleHeartbeat())), 'not-health', 'case traffic is not this handler\'s');
  t.equal(ingest('chasqui/v1/post-b/health', enc(sampleHeartbeat({ postId: 'post-a' }))), 'forged');
  t.match(lines.at(-1), { level: 50, postId: 'post-b', claimed: 'post-a', code: 'CHASQUI_ERR_MALFORMED_MESSAGE' });
  t.equal(ingest('chasqui/v1/post-a/health', Buffer.from('{"v":1')), 'malformed');
  t.match(lines.at(-1), { code: 'CHASQUI_ERR_MALFORMED_MESSAGE', postId: 'post-a' });
  t.equal(ingest('chasqui/v1/post-z/health', enc(sampleHeartbeat({ postId: 'post-z' }))), 'unknown-post');
  t.match(lines.at(-1), { code: 'CHASQUI_ERR_UNKNOWN_POST' });
  t.equal(store.latest('post-a'), null, 'nothing stored so far');

  t.equal(ingest('chasqui/v1/post-a/health', enc(sampleHeartbeat())), 'stored');
  t.same(store.latest('post-a'), sampleHeartbeat());
  t.equal(store.health('post-a', clock.ms).lastHeartbeatAt, new Date(clock.ms).toISOString(), 'the hub\'s clock, not the post\'s');
});

t.test('hub metrics: one series per post, escalations counted', async (t) => {
  const { db, clock } = testDb(t);
  new HubCaseStore(db);
  new InboxStore(db);
  const store = new LinkHealthStore(db, { heartbeatIntervalS: 300, silentAfterMinutes: 60, stuckAfterHours: 24, keepDays: 30 });
  store.record(sampleHeartbeat(), clock.ms);
  const metrics = new HubLinksMetrics({ store, clock, postIds: () => ['post-a', 'post-b'] });
  metrics.countEscalations(2);
  clock.ms += 90_000;
  const text = await metrics.prometheus();
  t.match(text, /^chasqui_hub_post_last_seen_age_seconds\{post="post-a"\} 90$/m);
  t.match(text, /^chasqui_hub_post_last_seen_age_seconds\{post="post-b"\} nan$/im, 'never heard from');
  t.match(text, /^chasqui_hub_post_rtt_seconds\{post="post-a"\} 0\.64$/m);
  t.match(text, /^chasqui_hub_post_silent\{post="post-b"\} 1$/m);
  t.match(text, /^chasqui_hub_escalations_total 2$/m);
});
