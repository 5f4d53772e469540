/**
 * Hub ingest on loopback: posts publish pre-encoded chunks of valid bundles
 * as fast as MQTT takes them; the figure is chunks persisted per second,
 * bundles verified (signature and seal, as each post made them) and stored included.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { buildBundle, sha256Hex } from '../../protocol/bundle.js';
import { parsePublicIdentity } from '../../protocol/identity.js';
import { seal } from '../../protocol/sealing.js';
import { loadOrCreateIdentity } from '../../relay/identity-file.js';
import { splitIntoChunks } from '../../protocol/chunking.js';
import { encode } from '../../protocol/messages.js';
import { upTopic } from '../../protocol/topics.js';
import { tempDir } from '../support/paths.js';
import { enrolPost, startHub } from '../support/stack.js';
import { testTls } from '../support/tls.js';
import { join } from 'node:path';
import { waitFor } from '../support/wait.js';

export async function hubIngest(opts: { posts: number; bundleBytes: number; chunkSize: number }) {
  const { dir, cleanup } = tempDir('chasqui-bench-ingest-');
  const hub = await startHub({ dir });
  try {
    const publishers = await Promise.all(
      Array.from({ length: opts.posts }, async (_, p) => {
        const postId = `ingest-${p}`;
        const { password, hubIdentity } = enrolPost(hub, dir, postId);
        const client = await mqtt.connectAsync(hub.brokerUrl(), { username: postId, password, clientId: postClientId(postId), protocolVersion: 4, ...testTls().clientOptions });
        const bundle = buildBundle(
          { kind: 'case', id: `c-${p}`, origin: postId, createdAt: new Date().toISOString(), priority: 'routine', body: {}, attachments: [{ name: 'x.jpg', mediaType: 'image/jpeg', bytes: randomBytes(opts.bundleBytes) }] },
          { maxBytes: 1 << 30 },
        );
        const sealed = seal(bundle.bytes, { sender: loadOrCreateIdentity(join(dir, postId), postId), recipient: parsePublicIdentity(hubIdentity) });
        const transferId = Buffer.from(sha256Hex(sealed), 'hex');
        const messages = splitIntoChunks(sealed, opts.chunkSize).map((payload, index) =>
          encode({ type: 'chunk', transferId, kind: 1, priority: 1, totalSize: sealed.length, chunkSize: opts.chunkSize, index, payload }));
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
