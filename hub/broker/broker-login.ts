/**
 * Who a CONNECT is, decided before the broker lets it in: the hub's own
 * account, a post in its one session, or a named tool session the hub allows.
 * Answers known passwords from the cache first, then queues through the login
 * throttle, so neither a flood of guesses nor a stolen box retrying costs more
 * than a few scrypt computations.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../../lib/errors.js';
import type { BrokerUser } from './broker-acl.js';
import type { LoginThrottle } from './login-throttle.js';

export type PostLogin = 'ok' | 'wrong' | 'revoked' | 'unknown';

/** The registry's two answers (hub/posts/post-registry.ts), structural so this file does not import it. */
export type PostCheck = {
  verifyCached(postId: string, password: string): boolean;
  verify(postId: string, password: string): Promise<PostLogin>;
};

export type BrokerAuth = {
  hubUser: string;
  hubPassword: string;
  hubClientId: string;
  posts: PostCheck;
  /** Tool names allowed as `post-<id>:<tool>` (hub config broker.toolSessions); none by default. */
  toolSessions?: readonly string[];
};

/** MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3]; mqtt.js maps 5 to "Not authorized". */
export type Refused = { ok: false; code: ErrorCode; returnCode: 3 | 4 | 5; reason: string };
export type LoginResult = { ok: true; user: BrokerUser } | Refused;

const TOOL = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * A post's MQTT client id is bound to its identity: `post-<id>` for the one
 * session of the box itself (a second connection with the same id takes the
 * session over, as MQTT says [MQTT-3.1.4-2]), or `post-<id>:<tool>` for a
 * named tool session the hub allows, which may write as the post but not read.
 */
export function postClientId(postId: string, tool?: string): string {
  return tool ? `post-${postId}:${tool}` : `post-${postId}`;
}

/** The session a client id asks for under this username, or null if the id is not the username's. */
export function sessionOf(clientId: string, username: string): { tool?: string } | null {
  const own = postClientId(username);
  if (clientId === own) return {};
  if (!clientId.startsWith(`${own}:`)) return null;
  const tool = clientId.slice(own.length + 1);
  return TOOL.test(tool) ? { tool } : null;
}

export async function brokerLogin(
  auth: BrokerAuth, throttle: LoginThrottle,
  c: { clientId: string; username: string; password: string; address: string },
): Promise<LoginResult> {
  if (c.username === auth.hubUser) {
    return c.clientId === auth.hubClientId && sameSecret(c.password, auth.hubPassword)
      ? { ok: true, user: { kind: 'hub' } }
      : refused('CHASQUI_ERR_AUTH', 4, 'hub account');
  }
  const session = sessionOf(c.clientId, c.username);
  if (!session) return refused('CHASQUI_ERR_AUTH', 4, 'client id does not belong to the username');
  if (session.tool !== undefined && !(auth.toolSessions ?? []).includes(session.tool)) {
    // Before any password work: the name alone decides, and it tells nothing about the password.
    return refused('CHASQUI_ERR_NOT_AUTHORIZED', 5, `tool session "${session.tool}" is not allowed`);
  }
  const user: BrokerUser = session.tool === undefined ? { kind: 'post', postId: c.username } : { kind: 'post', postId: c.username, tool: session.tool };
  if (c.password.length > 0 && auth.posts.verifyCached(c.username, c.password)) return { ok: true, user };
  const ticket = await throttle.admit(c.username, c.address);
  if (!ticket.go) return refused('CHASQUI_ERR_LOGIN_THROTTLED', 3, `${ticket.reason}, retry after ${Math.ceil(ticket.retryAfterMs / 1000)} s`);
  let answer: PostLogin = 'wrong';
  try {
    answer = c.password.length > 0 ? await auth.posts.verify(c.username, c.password) : 'wrong';
  } finally {
    ticket.done(answer === 'ok');
  }
  if (answer === 'ok') return { ok: true, user };
  if (answer === 'revoked') return refused('CHASQUI_ERR_POST_REVOKED', 5, 'post revoked');
  return refused('CHASQUI_ERR_AUTH', 4, answer === 'unknown' ? 'unknown post' : 'wrong password');
}

function refused(code: ErrorCode, returnCode: Refused['returnCode'], reason: string): Refused {
  return { ok: false, code, returnCode, reason };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
