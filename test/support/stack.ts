/**
 * Builds a real hub (embedded aedes or external broker) and real posts on
 * temporary SQLite files, tuned for loopback so tests run in seconds.
 */
import { join } from 'node:path';
import { loadConfig } from '../../lib/config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { HubConfigSchema } from '../../hub/config.js';
import { buildHub, type Hub } from '../../hub/hub.js';
import { PostConfigSchema } from '../../node/config.js';
import { buildPost, type Post } from '../../node/post.js';
import { formatPublicIdentity, generateIdentity } from '../../protocol/identity.js';
import { loadOrCreateIdentity } from '../../relay/identity-file.js';
import { quietLogger } from './logger.js';

export const FAST_LINK = { expectedRateBps: 8_000_000, minRtoMs: 300, initialRtoMs: 1000, keepaliveS: 5, reconnectMs: 200, tickMs: 50 };

export async function startHub(o: { dir: string; broker?: Record<string, unknown>; logger?: Logger; maxPageCount?: number; maxBundleBytes?: number; config?: Record<string, unknown>; clock?: Clock }): Promise<Hub> {
  const config = loadConfig(HubConfigSchema, {
    overrides: {
      dataDir: join(o.dir, 'hub'), http: { port: 0 }, broker: { host: '127.0.0.1', port: 0, ...o.broker },
      link: FAST_LINK, ...(o.maxBundleBytes ? { maxBundleBytes: o.maxBundleBytes } : {}), ...o.config,
    },
  });
  const hub = buildHub({ config, logger: o.logger ?? quietLogger(), maxPageCount: o.maxPageCount, ...(o.clock ? { clock: o.clock } : {}) });
  await hub.start();
  return hub;
}

/**
 * Registers a post at the hub the way provisioning does: a password, and the
 * post's public keys (made in the post's data directory, as on the box).
 * Returns what the post's config needs.
 */
export function enrolPost(hub: Hub, dir: string, postId: string, o: { name?: string; password?: string } = {}): { password: string; hubIdentity: string } {
  const password = hub.posts.register(postId, o.name, o.password);
  hub.posts.setIdentity(postId, formatPublicIdentity(loadOrCreateIdentity(join(dir, postId), postId)));
  return { password, hubIdentity: formatPublicIdentity(hub.identity) };
}

let strangerHub: string | undefined;
/** For a post that never reaches a hub in its test: some hub's keys, so the config is whole. */
export function someHubIdentity(): string {
  return (strangerHub ??= formatPublicIdentity(generateIdentity('hub')));
}

export function postConfig(o: { dir: string; postId: string; url: string; password: string; hubIdentity?: string; link?: Record<string, unknown>; maxBundleBytes?: number; bridgeUrl?: string; config?: Record<string, unknown> }) {
  return loadConfig(PostConfigSchema, {
    overrides: {
      postId: o.postId, dataDir: join(o.dir, o.postId), hub: { url: o.url, password: o.password, identity: o.hubIdentity ?? someHubIdentity() }, http: { port: 0 },
      link: { ...FAST_LINK, ...o.link }, ...(o.maxBundleBytes ? { maxBundleBytes: o.maxBundleBytes } : {}),
      ...(o.bridgeUrl ? { bridge: { url: o.bridgeUrl } } : {}), ...o.config,
    },
  });
}

export async function startPost(o: Parameters<typeof postConfig>[0] & { logger?: Logger; clock?: Clock }): Promise<Post> {
  const post = buildPost({ config: postConfig(o), logger: o.logger ?? quietLogger(), ...(o.clock ? { clock: o.clock } : {}) });
  await post.start();
  return post;
}

/** A hub with one registered post connected to it, both torn down with the test. */
export async function startPair(
  t: { teardown(fn: () => Promise<void> | void): void },
  o: { dir: string; postId: string; hub?: Omit<Parameters<typeof startHub>[0], 'dir'>; post?: { logger?: Logger; link?: Record<string, unknown>; bridgeUrl?: string; config?: Record<string, unknown>; clock?: Clock } },
): Promise<{ hub: Hub; post: Post; password: string }> {
  const hub = await startHub({ dir: o.dir, ...o.hub });
  const { password, hubIdentity } = enrolPost(hub, o.dir, o.postId);
  const post = await startPost({ dir: o.dir, postId: o.postId, url: hub.brokerUrl(), password, hubIdentity, ...o.post });
  t.teardown(async () => {
    await post.stop();
    await hub.stop();
  });
  return { hub, post, password };
}
