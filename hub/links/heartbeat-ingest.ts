/**
 * The hub's handler for messages on `chasqui/v1/+/health`: check, then store.
 * The topic names the sender (the broker ACL lets a post publish only on its
 * own health topic), so a body claiming another postId is a forgery or a
 * misconfigured post and is refused. A bad heartbeat is a logged event,
 * never an exception into the MQTT client.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import { isChasquiError } from '../../lib/errors.js';
import { parseHeartbeat } from '../../protocol/heartbeat-check.js';
import { parseTopic } from '../../protocol/topics.js';
import type { LinkHealthStore } from './link-health-store.js';

export type IngestOutcome = 'stored' | 'not-health' | 'unknown-post' | 'malformed' | 'forged';

export type HeartbeatIngestDeps = {
  store: LinkHealthStore;
  clock: Clock;
  logger: Logger;
  isKnownPost?: (postId: string) => boolean;
};

export function heartbeatIngest(d: HeartbeatIngestDeps): (topic: string, payload: Buffer) => IngestOutcome {
  return (topic: string, payload: Buffer): IngestOutcome => {
    const t = parseTopic(topic);
    if (t?.direction !== 'health') return 'not-health';
    if (d.isKnownPost && !d.isKnownPost(t.postId)) {
      d.logger.warn({ postId: t.postId, code: 'CHASQUI_ERR_UNKNOWN_POST' }, 'heartbeat from an unknown post dropped');
      return 'unknown-post';
    }
    let hb;
    try {
      hb = parseHeartbeat(payload);
    } catch (err) {
      const code = isChasquiError(err) ? err.code : 'CHASQUI_ERR_MALFORMED_MESSAGE';
      d.logger.warn({ postId: t.postId, code, err: (err as Error).message }, 'malformed heartbeat dropped');
      return 'malformed';
    }
    if (hb.postId !== t.postId) {
      d.logger.error({ postId: t.postId, claimed: hb.postId, code: 'CHASQUI_ERR_MALFORMED_MESSAGE' }, 'heartbeat claims another post: refused');
      return 'forged';
    }
    try {
      d.store.record(hb, d.clock.now());
    } catch (err) {
      d.logger.error({ postId: t.postId, err: (err as Error).message }, 'heartbeat not stored');
      return 'malformed';
    }
    return 'stored';
  };
}
