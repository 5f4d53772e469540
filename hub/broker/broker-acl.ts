/**
 * Who may publish and subscribe where on the embedded broker; the same rules
 * mosquitto-files.ts writes out for an external Mosquitto. Matching is exact
 * string comparison, never wildcard matching: a filter such as
 * `chasqui/v1/+/down` names no single post, so it is refused even though it
 * "contains" the post's own topic, since it would also deliver every other
 * post's traffic.
 */
import { ALL_HEALTH, ALL_UP, downTopic, healthTopic, isValidPostId, parseTopic, upTopic } from '../../protocol/topics.js';

/** `tool` is set for a named tool session (`post-<id>:<tool>`), which may write as its post but never read. */
export type BrokerUser = { kind: 'hub' } | { kind: 'post'; postId: string; tool?: string };

export function canPublish(user: BrokerUser, topic: string): boolean {
  if (user.kind === 'post') {
    // A post only ever talks upward; writing to its own `down` would forge hub messages to itself.
    // Its heartbeat goes on its own health topic, so it can never report for another post.
    return isValidPostId(user.postId) && (topic === upTopic(user.postId) || topic === healthTopic(user.postId));
  }
  // The hub only answers posts. Writing to an `up` topic would forge a post's message,
  // and the post id must be valid so no wildcard or extra level slips through.
  return parseTopic(topic)?.direction === 'down';
}

export function canSubscribe(user: BrokerUser, topicFilter: string): boolean {
  if (user.kind === 'post') {
    // A tool session (an engineer's probe) never reads the post's down topic: a second reader
    // there would silently receive copies of every counter-reference meant for the nurse.
    if (user.tool !== undefined) return false;
    // The post id is checked so a username like `x/#` cannot build a wildcard filter out of downTopic().
    return isValidPostId(user.postId) && topicFilter === downTopic(user.postId);
  }
  // The hub reads what posts send, never what it sends them; a `down` or `#`
  // subscription would echo its own writes back and double the traffic.
  if (topicFilter === ALL_UP || topicFilter === ALL_HEALTH) return true;
  const direction = parseTopic(topicFilter)?.direction;
  return direction === 'up' || direction === 'health';
}
