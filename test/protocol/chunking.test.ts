import t from 'tap';
import { randomBytes } from 'node:crypto';
import { checkChunk, chunkCount, chunkLength, chunkSizeForRate, splitIntoChunks } from '../../protocol/chunking.js';
import type { ChunkMessage } from '../../protocol/messages.js';

t.test('chunk size is about one second of link time, within bounds', async (t) => {
  t.equal(chunkSizeForRate(64_000), 8192);
  t.equal(chunkSizeForRate(512_000), 32768);
  t.equal(chunkSizeForRate(2_400), 2048);
});

t.test('split and lengths agree', async (t) => {
  const bytes = randomBytes(20_001);
  const parts = splitIntoChunks(bytes, 8192);
  t.equal(parts.length, chunkCount({ totalSize: 20_001, chunkSize: 8192 }));
  parts.forEach((p, i) => t.equal(p.length, chunkLength({ totalSize: 20_001, chunkSize: 8192 }, i)));
  t.ok(Buffer.concat(parts).equals(bytes));
});

t.test('checkChunk refuses what does not fit', async (t) => {
  const base: ChunkMessage = { type: 'chunk', transferId: randomBytes(32), kind: 1, priority: 1, totalSize: 10_000, chunkSize: 4096, index: 2, payload: randomBytes(10_000 - 8192) };
  const limits = { maxBundleBytes: 1 << 20 };
  const shape = checkChunk(base, undefined, limits);
  t.same(shape, { kind: 1, priority: 1, totalSize: 10_000, chunkSize: 4096 });
  t.throws(() => checkChunk({ ...base, index: 3 }, shape, limits), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' });
  t.throws(() => checkChunk({ ...base, payload: randomBytes(5) }, shape, limits), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' });
  t.throws(() => checkChunk({ ...base, totalSize: 12_000 }, shape, limits), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' }, 'disagrees with earlier chunks');
  t.throws(() => checkChunk({ ...base, chunkSize: 10 }, undefined, limits), { code: 'CHASQUI_ERR_CHUNK_CORRUPT' });
  t.throws(() => checkChunk({ ...base, totalSize: 2 << 20 }, undefined, limits), { code: 'CHASQUI_ERR_BUNDLE_TOO_LARGE' });
});
