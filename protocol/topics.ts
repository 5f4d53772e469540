/**
 * MQTT topics. Each post owns exactly two: it publishes on `up` and reads
 * `down`, so a broker ACL of two patterns (`chasqui/v1/%u/up` write,
 * `chasqui/v1/%u/down` read) confines a post to its own traffic. Every Chasqui
 * message type shares these two topics so that MQTT's per-topic ordering
 * [MQTT-4.6.0-5] keeps a status request behind the chunks sent before it.
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

export type ParsedTopic = { postId: string; direction: 'up' | 'down' };

export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , postId, direction] = parts as [string, string, string, string];
  if (!isValidPostId(postId) || (direction !== 'up' && direction !== 'down')) return null;
  return { postId, direction };
}
