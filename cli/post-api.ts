/**
 * The command line's way to the post's own API (bearer token, loopback):
 * plain or HTTPS as the post serves it (lib/tls/web-tls.ts). Over HTTPS the
 * post's own certificate is the one trusted, as a phone trusts it, since no
 * public CA ever vouches for a box at a health post.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ChasquiError } from '../lib/errors.js';

export type PostApi = { url: string; token: string; /** PEM trusted for an https:// url (the post's web certificate file). */ ca?: string | undefined };

export type ApiAnswer = { ok: boolean; status: number; statusText: string; json: unknown };

export function callPost(api: PostApi, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer> {
  const url = new URL(path, api.url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { authorization: `Bearer ${api.token}`, accept: 'application/json' };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  const secure = url.protocol === 'https:';
  const ca = secure && api.ca ? readCa(api.ca) : undefined;
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = {};
        try { json = JSON.parse(text); } catch { /* not JSON: the status says what happened */ }
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, statusText: res.statusMessage ?? '', json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_TLS_CERT', `cannot read the post's web certificate ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
