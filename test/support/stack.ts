/**
 * Builds a real hub (embedded aedes or external broker) and real posts on
 * temporary SQLite files, tuned for loopback so tests run in seconds.
 * TLS by default, as in production: hubs serve the test certificate
 * (support/tls.ts), posts and the hub's external-broker client pin it.
 * `plain: true` keeps a hub's broker plain on loopback for a test about something else.
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
import { testTls } from './tls.js';

export const FAST_LINK = { expectedRateBps: 8_000_000, minRtoMs: 300, initialRtoMs: 1000, keepaliveS: 5, reconnectMs: 200, tickMs: 50 };

export async function startHub(o: { dir: string; broker?: Record<string, unknown>; plain?: boolean; logger?: Logger; maxPageCount?: number; maxBundleBytes?: number; config?: Record<string, unknown>; clock?: Clock }): Promise<Hub> {
  const tls = testTls();
  const config = loadConfig(HubConfigSchema, {
    overrides: {
      dataDir: join(o.dir, 'hub'), http: { port: 0 },
      broker: { host: '127.0.0.1', port: 0, tls: o.plain ? { enabled: false } : { cert: tls.certFile, key: tls.keyFile }, ca: tls.certFile, ...o.broker },
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

export function postConfig(o: { dir: string; postId: string; url: string; password: string; hubIdentity?: string; ca?: string; link?: Record<string, unknown>; maxBundleBytes?: number; bridgeUrl?: string; config?: Record<string, unknown> }) {
  return loadConfig(PostConfigSchema, {
    overrides: {
      postId: o.postId, dataDir: join(o.dir, o.postId), hub: { url: o.url, password: o.password, identity: o.hubIdentity ?? someHubIdentity(), ca: o.ca ?? testTls().certFile }, http: { port: 0 },
      link: { ...FAST_LINK, ...o.link }, ...(o.maxBundleBytes ? { maxBundleBytes: o.maxBundleBytes } : {}),
      ...(o.bridgeUrl ? { bridge: { url: o.bridgeUrl } } : {}), ...o.config,
    },
  });
}

/** Key slots cheap enough for tests; a real post keeps the default cost. */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1, keyLen: 32 };

/**
 * Opens a post's vault as a nurse's sign-in would (making its data key the
 * first time), for tests about what a post does with its data, not about who
 * opens it: those sign in (test/node/vault).
 */
export async function openVault(post: Post): Promise<void> {
  const slot = 'nurse:test-fixture';
  if (!post.vault.exists()) await post.vault.create(slot, 'test-fixture-secret', { recovery: false });
  else if (!(await post.vault.open(slot, 'test-fixture-secret'))) throw new Error('the test fixture\'s slot does not open this post');
}

export async function startPost(o: Parameters<typeof postConfig>[0] & { logger?: Logger; clock?: Clock; locked?: boolean }): Promise<Post> {
  const post = buildPost({ config: postConfig(o), logger: o.logger ?? quietLogger(), scrypt: TEST_SCRYPT, ...(o.clock ? { clock: o.clock } : {}) });
  if (!o.locked) await openVault(post);
  await post.start();
  return post;
}

/** The broker's address, for a proxy (LinkEmulator) to forward to. */
export function brokerTarget(hub: Hub): { host: string; port: number } {
  const u = new URL(hub.brokerUrl());
  return { host: u.hostname, port: Number(u.port) };
}

/** The hub's broker URL with the port of a proxy in front of it: same scheme, so TLS runs through the proxy. */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  return `${u.protocol}//127.0.0.1:${port}`;
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
