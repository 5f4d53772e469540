/**
 * MQTT topics. Each post owns exactly two: it publishes on `up` and reads
 * `down`, so a broker ACL of two patterns (`chasqui/v1/%u/up` write,
 * `chasqui/v1/%u/down` read) confines a post to its own traffic. Every Chasqui
 * message type shares these two topics so that MQTT's per-topic ordering
 * [MQTT-4.6.0-5] keeps a status request behind the chunks sent before it.
 * The one exception is the heartbeat (healthTopic below): it must not keep
 * that order, so it has a topic of its own that the post may only write.
 */
export const TOPIC_ROOT = 'chasqui/v1';

const POST_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidPostId(id: string): boolean {
  return POST_ID.test(id);
}

export function upTopic(postId: string): string {
  return `${TOPIC_ROOT}/${postId}/up`;
}

export function downTopic(postId: string): string {
  return `${TOPIC_ROOT}/${postId}/down`;
}

/** What the hub subscribes to: every post's upward topic. */
export const ALL_UP = `${TOPIC_ROOT}/+/up`;

/**
 * A post's third topic: its heartbeat, QoS 0 and never retained. Kept apart
 * from `up` so a heartbeat never queues behind (or delays) a case's chunks
 * and the relay, which reads only `up`, never sees it.
 */
export function healthTopic(postId: string): string {
  return `${TOPIC_ROOT}/${postId}/health`;
}

/** What the hub subscribes to for link health: every post's heartbeat. */
export const ALL_HEALTH = `${TOPIC_ROOT}/+/health`;

export type ParsedTopic = { postId: string; direction: 'up' | 'down' | 'health' };

export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , postId, direction] = parts as [string, string, string, string];
  if (!isValidPostId(postId) || (direction !== 'up' && direction !== 'down' && direction !== 'health')) return null;
  return { postId, direction };
}
