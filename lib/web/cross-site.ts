/**
 * Cross-site request refusal for every state-changing request of both apps
 * (POST, PUT, PATCH, DELETE), the way Go 1.25's http.CrossOriginProtection
 * does it: browsers say where a request comes from, so no token has to be
 * put in every form (and kept across a sign-in, a back button, a draft kept
 * in the browser). Coded here rather than with @fastify/csrf-protection
 * because a token would need a secret kept per session, a field in every
 * form of both apps and the API's JSON, and it still would not say anything
 * a browser's Origin does not; SameSite=Lax alone was not enough, since a
 * form on the same host at another port is "same-site".
 *
 * In order:
 * 1. `Sec-Fetch-Site` present (every current browser): only `same-origin` or
 *    `none` (typed in the address bar, a bookmark) goes ahead.
 * 2. Else `Origin` present: its scheme://host:port must be this request's own
 *    (scheme from the connection, host from Host).
 * 3. Else, if the request carries a session cookie: a Referer, if any, must be
 *    of this same origin. A request with neither and no cookie is not a
 *    browser acting for someone signed in (the CLI, curl) and goes ahead.
 * A request with an `Authorization` header (the post's bearer API token,
 * loopback only, node/auth/require-nurse.ts) is never a browser's form or
 * simple request: a browser sends that header cross-origin only after a CORS
 * preflight, which neither app answers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** This request's own origin: scheme from the connection (TLS or not), host and port from Host. */
export function ownOrigin(req: FastifyRequest): string | null {
  const host = req.headers.host;
  if (!host) return null;
  try {
    return new URL(`${req.protocol}://${host}`).origin;
  } catch {
    return null;
  }
}

function originOf(v: string): string | null {
  try {
    const o = new URL(v).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

/** Why a request is refused as cross-site, or null when it may go ahead. Pure: only the request's headers and connection. */
export function crossSiteReason(req: FastifyRequest, sessionCookie: string): string | null {
  if (!UNSAFE.has(req.method)) return null;
  if (req.headers.authorization !== undefined) return null;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? null : `sec-fetch-site ${site}`;
  const own = ownOrigin(req);
  const origin = req.headers.origin;
  if (typeof origin === 'string') return own !== null && originOf(origin) === own ? null : 'origin';
  if (req.cookies?.[sessionCookie] === undefined) return null;
  const referer = req.headers.referer;
  if (typeof referer === 'string' && referer !== '') return own !== null && originOf(referer) === own ? null : 'referer';
  return null;
}

export type CrossSiteRefusal = (req: FastifyRequest, reply: FastifyReply) => FastifyReply;
