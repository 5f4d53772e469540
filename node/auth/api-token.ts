/**
 * The post's local API token: the box's own command line (`chasqui post
 * submit/status`, run by a field engineer over SSH) sends it as
 * `Authorization: Bearer <token>`. It lives in <dataDir>/api-token, mode
 * 0600, so only the service user (and root) can read it: being able to read
 * that file is the credential. Created on first start, then reused.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';
import { createPrivateFileIfAbsent, keepPrivate } from '../../lib/private-file.js';

export const API_TOKEN_FILE = 'api-token';
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class ApiToken {
  private constructor(readonly file: string, private readonly hash: Buffer) {}

  /** Reads <dataDir>/api-token, creating it first if it is not there. */
  static loadOrCreate(dataDir: string): ApiToken {
    const file = join(dataDir, API_TOKEN_FILE);
    createPrivateFileIfAbsent(file, `${randomBytes(32).toString('base64url')}\n`);
    keepPrivate(file);
    return new ApiToken(file, digest(readApiTokenFile(file)));
  }

  /** Constant-time: compares digests of equal length, whatever was presented. */
  matches(presented: string | undefined): boolean {
    return presented !== undefined && timingSafeEqual(digest(presented), this.hash);
  }
}

/** The token in a file, for the command line; the error says what to do. */
export function readApiTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ChasquiError('CHASQUI_ERR_AUTH', `cannot read the post's API token at ${file} (${code}). Run this on the post box as the user the post runs as (e.g. sudo -u chasqui …), or pass --token-file FILE`);
  }
  const token = text.trim();
  if (!TOKEN_RE.test(token)) throw new ChasquiError('CHASQUI_ERR_AUTH', `${file} does not hold a Chasqui API token; delete it and restart the post to make a new one`);
  return token;
}
