/**
 * Hub ingest on loopback: posts publish pre-encoded chunks of valid bundles
 * as fast as MQTT takes them; the figure is chunks persisted per second,
 * bundles verified and stored included.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { buildBundle } from '../../protocol/bundle.js';
import { splitIntoChunks } from '../../protocol/chunking.js';
import { encode } from '../../protocol/messages.js';
import { upTopic } from '../../protocol/topics.js';
import { tempDir } from '../support/paths.js';
import { startHub } from '../support/stack.js';
import { testTls } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

export async function hubIngest(opts: { posts: number; bundleBytes: number; chunkSize: number }) {
  const { dir, cleanup } = tempDir('chasqui-bench-ingest-');
  const hub = await startHub({ dir });
  try {
    const publishers = await Promise.all(
      Array.from({ length: opts.posts }, async (_, p) => {
        const postId = `ingest-${p}`;
        const password = hub.posts.register(postId);
        const client = await mqtt.connectAsync(hub.brokerUrl(), { username: postId, password, clientId: postClientId(postId), protocolVersion: 4, ...testTls().clientOptions });
        const bundle = buildBundle(
          { kind: 'case', id: `c-${p}`, origin: postId, createdAt: new Date().toISOString(), priority: 'routine', body: {}, attachments: [{ name: 'x.jpg', mediaType: 'image/jpeg', bytes: randomBytes(opts.bundleBytes) }] },
          { maxBytes: 1 << 30 },
        );
        const transferId = Buffer.from(bundle.id, 'hex');
        const messages = splitIntoChunks(bundle.bytes, opts.chunkSize).map((payload, index) =>
          encode({ type: 'chunk', transferId, kind: 1, priority: 1, totalSize: bundle.bytes.length, chunkSize: opts.chunkSize, index, payload }));
        return { client, postId, messages };
      }),
    );
    const total = publishers.reduce((n, p) => n + p.messages.length, 0);
    const t0 = performance.now();
    await Promise.all(publishers.map(({ client, postId, messages }) => Promise.all(messages.map((m) => client.publishAsync(upTopic(postId), m, { qos: 1 })))));
    await waitFor(() => hub.cases.count() === opts.posts, { what: 'all bundles stored', timeoutMs: 120_000, intervalMs: 5 });
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(publishers.map((p) => p.client.endAsync()));
    return { chunks: total, seconds, chunksPerS: total / seconds, mbPerS: (total * opts.chunkSize) / seconds / 1e6 };
  } finally {
    await hub.stop();
    cleanup();
  }
}
