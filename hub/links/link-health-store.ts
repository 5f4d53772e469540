/**
 * Every post's link health at the hub (SQLite): heartbeat history (kept
 * `keepDays`, pruned as heartbeats arrive), when each post was last heard
 * from, and what an operator needs derived from them: online, backlog,
 * throughput, delivery latency and the flags that send someone to look.
 * Reads the hub's `cases` and the relay's `inbox_transfers`, so it is built
 * after HubCaseStore and Relay have created them.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';
import type { Heartbeat } from '../../protocol/heartbeat.js';
import type { LinksConfig } from './links-config.js';
import { counterRate, isGrowing, latencyStats } from './link-stats.js';

const MIGRATIONS = [
  `CREATE TABLE link_heartbeats (
     post_id TEXT NOT NULL, received_at INTEGER NOT NULL, queue_bytes INTEGER NOT NULL,
     bytes_total INTEGER NOT NULL, body TEXT NOT NULL);
   CREATE INDEX link_heartbeats_post ON link_heartbeats (post_id, received_at);
   CREATE INDEX link_heartbeats_age ON link_heartbeats (received_at);
   CREATE TABLE link_posts (post_id TEXT PRIMARY KEY, last_heartbeat_at INTEGER, last_message_at INTEGER) WITHOUT ROWID;`,
];

const HOUR = 3_600_000;
/** Delivery latency is taken over the most recent cases: enough for a p90, recent enough to reflect today's link. */
const LATENCY_CASES = 20;
/** Three heartbeats in a row, each with more queued than the last, is a trend rather than one large case. */
const GROWING_OVER = 3;

export type LinkFlags = { silent: boolean; backlogGrowing: boolean; stuckAtPost: boolean; stuckAtHub: number };

export type LinkHealth = {
  postId: string;
  online: boolean;
  lastSeenAt: string | null;
  lastHeartbeatAt: string | null;
  heartbeat: Heartbeat | null;
  backlog: Heartbeat['queue'] | null;
  rttMs: number | null;
  rateBps: number | null;
  /** Bytes per second both ways, from the post's counters. */
  throughput: { lastHourBps: number | null; lastDayBps: number | null };
  /** Seconds from the nurse pressing send (createdAt) to the hub holding the case (receivedAt). */
  deliveryLatency: { n: number; medianS: number | null; p90S: number | null };
  casesReceived: number;
  flags: LinkFlags;
};

type PostRow = { post_id: string; last_heartbeat_at: number | null; last_message_at: number | null };

export class LinkHealthStore {
  private readonly q;

  constructor(db: Db, private readonly cfg: LinksConfig) {
    migrate(db, 'hub-links', MIGRATIONS);
    this.q = {
      insert: db.prepare('INSERT INTO link_heartbeats (post_id, received_at, queue_bytes, bytes_total, body) VALUES (?, ?, ?, ?, ?)'),
      heartbeat: db.prepare(`INSERT INTO link_posts (post_id, last_heartbeat_at) VALUES (?, ?)
        ON CONFLICT (post_id) DO UPDATE SET last_heartbeat_at = max(coalesce(last_heartbeat_at, 0), excluded.last_heartbeat_at)`),
      message: db.prepare(`INSERT INTO link_posts (post_id, last_message_at) VALUES (?, ?)
        ON CONFLICT (post_id) DO UPDATE SET last_message_at = max(coalesce(last_message_at, 0), excluded.last_message_at)`),
      prune: db.prepare('DELETE FROM link_heartbeats WHERE received_at < ?'),
      post: db.prepare<[string], PostRow>('SELECT * FROM link_posts WHERE post_id = ?'),
      posts: db.prepare<[], { post_id: string }>('SELECT post_id FROM link_posts ORDER BY post_id'),
      latest: db.prepare('SELECT body FROM link_heartbeats WHERE post_id = ? ORDER BY received_at DESC, rowid DESC LIMIT 1').pluck(),
      lastQueues: db.prepare('SELECT queue_bytes FROM link_heartbeats WHERE post_id = ? ORDER BY received_at DESC, rowid DESC LIMIT ?').pluck(),
      // The last sample before the window is its baseline, so a window with one heartbeat in it still has a rate.
      counters: db.prepare<[string, number, string, number], { at: number; total: number }>(
        `SELECT received_at AS at, bytes_total AS total FROM link_heartbeats WHERE post_id = ? AND received_at >= ?
         UNION SELECT * FROM (SELECT received_at, bytes_total FROM link_heartbeats WHERE post_id = ? AND received_at < ?
         ORDER BY received_at DESC LIMIT 1) ORDER BY at`,
      ),
      history: db.prepare('SELECT body FROM link_heartbeats WHERE post_id = ? AND received_at >= ? ORDER BY received_at').pluck(),
      series: db.prepare<[string, number], { at: number; queueBytes: number; rttMs: number | null }>(
        `SELECT received_at AS at, queue_bytes AS queueBytes, json_extract(body, '$.link.rttMs') AS rttMs
         FROM link_heartbeats WHERE post_id = ? AND received_at >= ? ORDER BY received_at`,
      ),
      latency: db.prepare<[string, number], { created_at: string; received_at: string }>(
        'SELECT created_at, received_at FROM cases WHERE post_id = ? ORDER BY seq DESC LIMIT ?',
      ),
      cases: db.prepare('SELECT count(*) FROM cases WHERE post_id = ?').pluck(),
      stuckInbox: db.prepare(`SELECT count(*) FROM inbox_transfers WHERE peer = ? AND state = 'partial' AND created_at < ?`).pluck(),
    };
  }

  /** Stores a checked heartbeat as received now (the hub's clock: the post's may be wrong). */
  record(hb: Heartbeat, receivedAt: number): void {
    this.q.insert.run(hb.postId, receivedAt, hb.queue.bytes, hb.link.bytesSent + hb.link.bytesReceived, JSON.stringify(hb));
    this.q.heartbeat.run(hb.postId, receivedAt);
    this.q.prune.run(receivedAt - this.cfg.keepDays * 24 * HOUR);
  }

  /** Any message from the post (a chunk, an ack) proves the link is up as well as a heartbeat does. */
  messageSeen(postId: string, at: number): void {
    this.q.message.run(postId, at);
  }

  latest(postId: string): Heartbeat | null {
    const body = this.q.latest.get(postId) as string | undefined;
    return body ? (JSON.parse(body) as Heartbeat) : null;
  }

  history(postId: string, since: number): Heartbeat[] {
    return (this.q.history.all(postId, since) as string[]).map((b) => JSON.parse(b) as Heartbeat);
  }

  /** For charts: queue bytes and round trip at each heartbeat, by the hub's clock, oldest first. */
  series(postId: string, since: number): Array<{ at: number; queueBytes: number; rttMs: number | null }> {
    return this.q.series.all(postId, since);
  }

  /** Every post heard from, plus any others named (the registry's), sorted by id. */
  all(now: number, alsoPostIds: string[] = []): LinkHealth[] {
    const ids = new Set([...this.q.posts.all().map((r) => r.post_id), ...alsoPostIds]);
    return [...ids].sort().map((id) => this.health(id, now));
  }

  health(postId: string, now: number): LinkHealth {
    const row = this.q.post.get(postId);
    const hbAt = row?.last_heartbeat_at ?? null;
    const seenAt = Math.max(hbAt ?? -Infinity, row?.last_message_at ?? -Infinity);
    const heard = Number.isFinite(seenAt);
    const hb = this.latest(postId);
    return {
      postId,
      online: heard && now - seenAt <= 2 * this.cfg.heartbeatIntervalS * 1000,
      lastSeenAt: heard ? iso(seenAt) : null,
      lastHeartbeatAt: hbAt === null ? null : iso(hbAt),
      heartbeat: hb,
      backlog: hb?.queue ?? null,
      rttMs: hb?.link.rttMs ?? null,
      rateBps: hb?.link.rateBps ?? null,
      throughput: { lastHourBps: this.rate(postId, now - HOUR), lastDayBps: this.rate(postId, now - 24 * HOUR) },
      deliveryLatency: this.latency(postId),
      casesReceived: this.q.cases.get(postId) as number,
      flags: this.flags(postId, hbAt, hb, now),
    };
  }

  private flags(postId: string, hbAt: number | null, hb: Heartbeat | null, now: number): LinkFlags {
    const stuckMs = this.cfg.stuckAfterHours * HOUR;
    const oldest = hb?.queue.oldestQueuedAt ? Date.parse(hb.queue.oldestQueuedAt) : null;
    const queues = (this.q.lastQueues.all(postId, GROWING_OVER) as number[]).reverse();
    return {
      silent: hbAt === null || now - hbAt > this.cfg.silentAfterMinutes * 60_000,
      backlogGrowing: isGrowing(queues, GROWING_OVER),
      stuckAtPost: oldest !== null && now - oldest > stuckMs,
      stuckAtHub: this.q.stuckInbox.get(postId, now - stuckMs) as number,
    };
  }

  private rate(postId: string, since: number): number | null {
    return counterRate(this.q.counters.all(postId, since, postId, since));
  }

  private latency(postId: string): LinkHealth['deliveryLatency'] {
    const rows = this.q.latency.all(postId, LATENCY_CASES);
    return latencyStats(rows.map((r) => (Date.parse(r.received_at) - Date.parse(r.created_at)) / 1000));
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
