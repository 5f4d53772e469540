/** The post's case API through fastify's inject, on a real SQLite file; the link is down, as it often is. */
import t from 'tap';
import { buildPost } from '../../node/post.js';
import { quietLogger } from '../support/logger.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { TEST_SCRYPT, openVault, postConfig } from '../support/stack.js';
import { apiAuth } from '../support/api-auth.js';
import type { Post } from '../../node/post.js';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/** As the box's own command line: with the post's API token. */
function inject(post: Post, opts: InjectOptions): Promise<LightMyRequestResponse> {
  return post.app.inject({ ...opts, headers: { ...opts.headers, ...apiAuth(post.config.dataDir) } });
}

const ecg = sharedFile('ecg/mitdb/100s.dat');

function submit(caseId: string, extra: Record<string, unknown> = {}) {
  return {
    method: 'POST' as const,
    url: '/api/cases',
    payload: { caseId, priority: 'urgent', body: { reason: 'dolor torácico' }, attachments: [{ name: '100s.dat', mediaType: 'application/x-wfdb-signal', dataBase64: ecg.toString('base64') }], ...extra },
  };
}

/** A post whose hub is unreachable, torn down (database closed, files removed) with the test. */
async function offlinePost(t: { teardown(fn: () => Promise<void> | void): void }, opts: { maxPageCount?: number; maxBundleBytes?: number } = {}) {
  const { dir, cleanup } = tempDir();
  const config = postConfig({ dir, postId: 'post-api', url: 'mqtt://127.0.0.1:1', password: 'x', maxBundleBytes: opts.maxBundleBytes });
  const post = buildPost({ config, logger: quietLogger(), maxPageCount: opts.maxPageCount, scrypt: TEST_SCRYPT });
  await openVault(post);
  t.teardown(async () => {
    await post.app.close();
    post.db.close();
    cleanup();
  });
  return post;
}

t.test('submit, resubmit, read back; the case waits for the link', async (t) => {
  const post = await offlinePost(t);
  const first = await inject(post, submit('c-1'));
  t.equal(first.statusCode, 201);
  t.match(first.json(), { caseId: 'c-1', status: { state: 'waiting' } });
  const again = await inject(post, submit('c-1'));
  t.equal(again.statusCode, 200, 'a retried request returns the same case');
  t.equal(again.json().bundleId, first.json().bundleId);
  t.equal((await inject(post, { method: 'GET', url: '/api/cases' })).json().cases.length, 1);
  t.equal((await inject(post, { method: 'GET', url: '/api/cases/c-1' })).statusCode, 200);
  const missing = await inject(post, { method: 'GET', url: '/api/cases/nope' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'CHASQUI_ERR_NOT_FOUND');
});

t.test('bad requests get a clear error and change nothing', async (t) => {
  const post = await offlinePost(t, { maxBundleBytes: 100_000 });
  const noPriority = await inject(post, { ...submit('c-2'), payload: { caseId: 'c-2', body: {}, attachments: [] } });
  t.equal(noPriority.statusCode, 400);
  t.equal(noPriority.json().error.code, 'CHASQUI_ERR_BAD_REQUEST');
  const noId = await inject(post, { ...submit('c-2'), payload: { priority: 'routine', body: {}, attachments: [] } });
  t.equal(noId.statusCode, 400, 'the client must name the case, so a retry is the same case');
  const dup = await inject(post, submit('c-3', { attachments: [{ name: 'a', mediaType: 'text/plain', dataBase64: 'aGk=' }, { name: 'a', mediaType: 'text/plain', dataBase64: 'aGk=' }] }));
  t.equal(dup.json().error.code, 'CHASQUI_ERR_BAD_REQUEST', 'duplicate attachment names');
  const photo = sharedFile('photos/canon_hdr_NO.jpg');
  const big = await inject(post, submit('c-4', { attachments: [{ name: 'p.jpg', mediaType: 'image/jpeg', dataBase64: photo.toString('base64') }] }));
  t.equal(big.statusCode, 413, 'bundle over the limit');
  t.equal(big.json().error.code, 'CHASQUI_ERR_BUNDLE_TOO_LARGE');
  t.equal(post.cases.list().length, 0, 'nothing stored');
});

t.test('a full disk refuses the case whole: HTTP 507, nothing half-written', async (t) => {
  const post = await offlinePost(t);
  // Room for a few more pages than the schema takes, not for a 65 KB ECG.
  const used = post.db.pragma('page_count', { simple: true }) as number;
  post.db.pragma(`max_page_count = ${used + 4}`);
  const res = await inject(post, submit('c-full'));
  t.equal(res.statusCode, 507);
  t.equal(res.json().error.code, 'CHASQUI_ERR_DISK_FULL');
  t.equal(post.cases.get('c-full'), undefined, 'no case record');
  t.equal(post.relay.outbox.queued().length, 0, 'no outbox entry');
  post.db.pragma('max_page_count = 100000');
  t.equal((await inject(post, submit('c-full'))).statusCode, 201, 'the same case goes in once there is room');
});

t.test('the API refuses a request without a session or token', async (t) => {
  const post = await offlinePost(t);
  const res = await post.app.inject(submit('c-anon'));
  t.equal(res.statusCode, 401);
  t.equal(res.json().error.code, 'CHASQUI_ERR_AUTH');
  const wrong = await post.app.inject({ ...submit('c-anon'), headers: { authorization: 'Bearer not-the-token' } });
  t.equal(wrong.statusCode, 401);
  t.equal((await inject(post, { method: 'GET', url: '/api/cases' })).json().cases.length, 0, 'nothing was stored');
  t.equal((await post.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health stays open for monitoring');
});
