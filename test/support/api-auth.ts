/** The box's own command line authenticates to the post's API with the token in its data folder; tests do the same. */
import { join } from 'node:path';
import { API_TOKEN_FILE, readApiTokenFile } from '../../node/auth/api-token.js';

export function apiAuth(dataDir: string): { authorization: string } {
  return { authorization: `Bearer ${readApiTokenFile(join(dataDir, API_TOKEN_FILE))}` };
}
