/**
 * The regional hub, built but not started: broker (embedded aedes, or an
 * external Mosquitto/EMQX given by URL), the relay toward every post, case
 * ingest and the HTTP API. start() brings them up in that order; stop()
 * takes them down in reverse.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { ChasquiError } from '../lib/errors.js';
import { installErrorHandler } from '../lib/http-errors.js';
import { prepareWebTls } from '../lib/tls/web-tls.js';
import { certificateRoute } from '../lib/web/certificate-route.js';
import { webServer } from '../lib/web/web-server.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../lib/sqlite.js';
import { buildBundle, type AttachmentInput } from '../protocol/bundle.js';
import { checkHubNotice } from '../protocol/hub-notices.js';
import { Priority, TransferKind, type TransferKindName } from '../protocol/priority.js';
import { ALL_HEALTH, ALL_UP, downTopic, parseTopic } from '../protocol/topics.js';
import { MqttCarrier } from '../relay/mqtt-carrier.js';
import { Relay } from '../relay/relay.js';
import { relayTuning } from '../relay/tuning.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { Trust } from '../relay/trust.js';
import type { Identity } from '../protocol/identity.js';
import { EmbeddedBroker } from './broker/embedded-broker.js';
import { hubTls } from './tls/hub-tls.js';
import { acceptsFromPost, ingestFromPost } from './cases/case-ingest.js';
import { HubCaseStore } from './cases/case-store.js';
import { CaseThreads } from './cases/case-threads.js';
import { caseSeenSender } from './cases/case-seen.js';
import { hubAppPlugin } from './app/app-plugin.js';
import { caseReviewPage } from './app/pages/case-review-page.js';
import { postAuditPage } from './app/pages/post-audit-page.js';
import { ingestAuditBatch } from './audit/audit-ingest.js';
import { PostAuditStore } from './audit/post-audit-store.js';
import { linksPage } from './app/pages/links-page.js';
import { queuePage } from './app/pages/queue-page.js';
import { heartbeatIngest } from './links/heartbeat-ingest.js';
import { LinkHealthStore } from './links/link-health-store.js';
import { linkSummaries } from './links/link-summaries.js';
import { HubLinksMetrics, hubLinksRoutes } from './links/metrics.js';
import { registerHubAuth, type HubAuth } from './auth/hub-auth.js';
import { Roster } from './routing/roster.js';
import { Router } from './routing/router.js';
import { counterReferenceSender } from './cases/counter-references.js';
import type { HubConfig } from './config.js';
import { hubApi } from './http/hub-api.js';
import { CredentialWatch } from './posts/credential-watch.js';
import { PostRegistry } from './posts/post-registry.js';
import type { Cie10 } from './terminology/cie10.js';
import { loadCie10 } from './terminology/cie10-file.js';
import { cie10Api } from './terminology/cie10-api.js';
import { openHubDatabase } from './storage/hub-database.js';
import { hubKeyLocation, type KeyLocation } from './storage/key-location.js';

const HUB_CLIENT_ID = 'chasqui-hub';
/** The name the hub's keys carry and sign with; posts know the hub only as this. */
export const HUB_IDENTITY_NAME = 'hub';

export type HubDeps = {
  config: HubConfig; logger: Logger; clock?: Clock; maxPageCount?: number;
  /** The ICD-10 diagnoses are checked against (default: the copy in hub/terminology/). */
  cie10?: Cie10;
  /** Where the database key is (hub/storage/key-location.ts; default: storage.keyFile, else beside dataDir). */
  keyLocation?: KeyLocation;
};

export type DownwardMessage = {
  kind: Extract<TransferKindName, 'counterReference' | 'notice'>;
  id?: string;
  priority?: 'urgent' | 'routine';
  body: unknown;
  attachments?: AttachmentInput[];
};

export type Hub = {
  config: HubConfig;
  db: Db;
  relay: Relay;
  cases: HubCaseStore;
  posts: PostRegistry;
  /** Every post's access log, as the posts sent it. */
  postAudit: PostAuditStore;
  /** The hub's own keys: posts pin the public half (`chasqui hub identity`). */
  identity: Identity;
  app: FastifyInstance;
  /** The embedded broker (its live post sessions), or undefined with an external one. */
  broker: EmbeddedBroker | undefined;
  /** The broker URL posts should use (the embedded broker's real port once started). */
  brokerUrl(): string;
  /** The certificate posts pin (`hub.ca`): the embedded broker's, or `broker.ca` for an external one; none when plain. */
  brokerCa(): string | undefined;
  sendToPost(postId: string, msg: DownwardMessage): { id: string };
  /** A specialist's answer or question for a case, down to its post (recorded in the case's thread). */
  sendCounterReference: ReturnType<typeof counterReferenceSender>;
  threads: CaseThreads;
  /** Specialty, assignee and service-level clock of every case. */
  router: Router;
  /** Every post's link health, from heartbeats. */
  links: LinkHealthStore;
  /** Specialists, operators and admins; their sessions; the access log. */
  auth: HubAuth;
  /** The ICD-10 in Spanish, loaded once: diagnoses are checked against it. */
  cie10: Cie10;
  /** Tells the post, once, that a specialist opened its case. */
  markSeen: ReturnType<typeof caseSeenSender>;
  start(): Promise<{ url: string; brokerUrl: string }>;
  stop(): Promise<void>;
};

export function buildHub(deps: HubDeps): Hub {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const log = logger.child({ mod: 'hub' });
  const cie10 = deps.cie10 ?? loadCie10();
  // Before the database opens: a refused link setting throws here and leaves nothing open.
  const tls = hubTls(config);
  // HTTPS when the specialists' app is reached beyond the machine (lib/tls/web-tls.ts); a bad certificate stops the build here, before anything is opened.
  const web = prepareWebTls('hub', config.http, config.dataDir);
  for (const w of web.warnings) log.warn({ tls: 'web' }, w);
  const stored = openHubDatabase(config, deps.keyLocation ?? hubKeyLocation(config), { maxPageCount: deps.maxPageCount });
  const { db } = stored;
  if (stored.keyCreated) log.warn({ keyFile: stored.keyFile }, 'new database key made: back it up apart from the data, which it alone opens');
  if (stored.encryptedInPlace) log.info({ keyFile: stored.keyFile }, 'plain database encrypted in place');
  const posts = new PostRegistry(db, clock);
  const identity = loadOrCreateIdentity(config.dataDir, HUB_IDENTITY_NAME);
  const cases = new HubCaseStore(db);
  const postAudit = new PostAuditStore(db, () => clock.now());
  const threads = new CaseThreads(db);
  const router = new Router({ db, cases, roster: new Roster(config.routing), limits: config.routing.sla, rules: config.routing.rules, clock });
  const b = config.broker;
  // The embedded broker and the hub's own client share a secret that lives only in memory.
  const hubPassword = b.mode === 'embedded' ? randomBytes(24).toString('base64url') : (b.password ?? '');
  const broker = b.mode === 'embedded'
    ? new EmbeddedBroker({
        host: b.host, port: b.port, logger: log.child({ mod: 'broker' }), clock,
        auth: { hubUser: b.username, hubPassword, hubClientId: HUB_CLIENT_ID, posts, toolSessions: b.toolSessions },
        limits: { maxPacketBytes: b.maxPacketBytes, preAuthBytes: b.preAuthBytes },
        throttle: { limiter: { maxFailures: b.logins.maxFailures, windowMs: b.logins.windowMs, lockMs: b.logins.lockMs }, maxInFlight: b.logins.maxConcurrentChecks },
        onEvent: (e) => linksMetrics.countBroker(e),
        tls: tls.listener,
      })
    : undefined;
  // A post revoked or re-keyed by the CLI loses its open sessions within one poll.
  const credentialWatch = new CredentialWatch({
    changes: () => posts.credentialChanges(), isRevoked: (id) => posts.isRevoked(id), intervalMs: b.registryPollMs, logger: log,
    onChange: (id, why) => {
      const cut = broker?.disconnectPost(id, why) ?? 0;
      log.info({ postId: id, sessionsCut: cut, revoked: why === 'revoked' }, 'post credential changed');
    },
  });
  if (!broker && !b.url) throw new ChasquiError('CHASQUI_ERR_CONFIG', 'broker.url is required when broker.mode is "external"');
  let brokerPort = b.port;
  // Over TLS even to itself, pinning its own certificate: the same path as every post's, and no plain listener to keep to loopback.
  const brokerUrl = () => (broker ? `${tls.listener ? 'mqtts' : 'mqtt'}://${b.host === '0.0.0.0' ? '127.0.0.1' : b.host}:${brokerPort}` : b.url!);
  const carrier = new MqttCarrier({
    url: brokerUrl, ca: tls.pin, settings: { ca: 'broker.ca', url: 'broker.url' },
    clientId: HUB_CLIENT_ID, username: b.username, password: hubPassword, subscriptions: [ALL_UP, ALL_HEALTH],
    keepaliveS: config.link.keepaliveS, reconnectMs: config.link.reconnectMs, connectTimeoutMs: config.link.connectTimeoutMs,
    logger: log.child({ mod: 'mqtt' }),
  });
  const relay = new Relay({
    db, carrier, clock, logger: log.child({ mod: 'relay' }),
    routes: {
      outTopic: (peer) => downTopic(peer),
      peerOf: (topic) => {
        const t = parseTopic(topic);
        return t?.direction === 'up' ? t.postId : null;
      },
    },
    tuning: relayTuning(config.link, config.maxBundleBytes),
    acceptsKind: (kind) => kind === TransferKind.auditLog || acceptsFromPost(kind),
    accept: byKind(ingestAuditBatch(postAudit, { maxRawBytes: config.maxBundleBytes }), ingestFromPost(cases, threads, {
      maxRawBytes: config.maxBundleBytes, now: () => clock.now(),
      onStored: (postId, caseId) => router.route(postId, caseId, new Date(clock.now())),
    })),
    isKnownPeer: (peer) => posts.isKnown(peer),
    trust: new Trust(identity, (postId) => posts.identityOf(postId)),
  });
  relay.on('received', (postId, id, _kind, receipt) => log.info({ postId, bundle: id, receipt }, 'case received'));
  relay.on('delivered', (_postId, bundleId) => threads.markDelivered(bundleId, new Date(clock.now()).toISOString()));
  const links = new LinkHealthStore(db, config.links);
  const ingestHeartbeat = heartbeatIngest({ store: links, clock, logger: log.child({ mod: 'links' }), isKnownPost: (id) => posts.isKnown(id) });
  // Heartbeats travel beside the relay (QoS 0, latest wins); any message from a post also proves its link is up.
  carrier.on('message', ({ topic, payload }) => {
    const t = parseTopic(topic);
    if (t?.direction === 'health') ingestHeartbeat(topic, payload);
    else if (t?.direction === 'up' && posts.isKnown(t.postId)) links.messageSeen(t.postId, clock.now());
  });
  // A revoked post is no longer watched: it would show as silent forever and page someone at night.
  const linksMetrics = new HubLinksMetrics({
    store: links, clock, postIds: () => posts.list().filter((p) => !p.revokedAt).map((p) => p.postId),
    refusals: () => ({ untrusted: relay.inboundCounters.untrusted, forgedStatuses: relay.counters.forgedStatuses }),
  });

  const sendToPost = (postId: string, msg: DownwardMessage) => {
    if (!posts.isKnown(postId)) throw new ChasquiError('CHASQUI_ERR_UNKNOWN_POST', postId);
    const priority = msg.priority ?? 'routine';
    // Checked before it leaves, as the post checks it on arrival (protocol/hub-notices.ts).
    const body = msg.kind === 'notice' ? checkHubNotice(msg.body) : msg.body;
    const bundle = buildBundle(
      {
        kind: msg.kind === 'notice' ? 'notice' : 'counter-reference', id: msg.id ?? randomUUID(), origin: 'hub',
        createdAt: new Date(clock.now()).toISOString(), priority, body, attachments: msg.attachments ?? [],
      },
      { maxBytes: config.maxBundleBytes },
    );
    return { id: relay.enqueue({ peer: postId, kind: TransferKind[msg.kind], priority: Priority[priority], bytes: bundle.bytes }).id };
  };

  const app = webServer(web, { loggerInstance: log.child({ mod: 'http' }) as FastifyBaseLogger });
  installErrorHandler(app);
  const https = web.https !== undefined;
  void app.register(hubAppPlugin, { timeZone: config.region.timeZone, https });
  const auth = registerHubAuth(app, { db, clock, logger: log, cookieSecure: https });
  if (web.der) certificateRoute(app, web.der, 'chasqui-hub.crt');
  const sendCounterReference = counterReferenceSender({
    db, cases, threads, clock, cie10, sendToPost, onAnswered: (postId, caseId, at) => router.answered(postId, caseId, at),
  });
  const markSeen = caseSeenSender({ db, threads, clock, sendToPost });
  hubApi(app, { db, cases, threads, posts, relay, router, sendToPost, isConnected: () => carrier.isConnected, clock });
  hubLinksRoutes(app, { metrics: linksMetrics, store: links, clock });
  cie10Api(app, cie10);
  void app.register(async (pages) => {
    queuePage(pages, { router, cases, clock, threads });
    linksPage(pages, { summaries: linkSummaries(links, () => posts.list()), now: () => clock.now() });
    caseReviewPage(pages, { cases, threads, router, clock, sendCounterReference, markSeen, cie10 });
    postAuditPage(pages, { store: postAudit });
  });

  let slaTimer: NodeJS.Timeout | undefined;
  let retentionTimer: NodeJS.Timeout | undefined;
  return {
    config, db, relay, identity, cases, threads, router, links, posts, postAudit, auth, app, broker, brokerUrl, brokerCa: () => tls.pin, sendToPost, sendCounterReference, markSeen, cie10,
    async start() {
      const cert = tls.prepare();
      if (cert) log.info({ cert: cert.certFile, fingerprint256: cert.fingerprint256, created: cert.created }, 'hub TLS certificate');
      if (web.certificate) log.info({ cert: web.certificate.certFile, fingerprint256: web.certificate.fingerprint256, created: web.certificate.created }, 'hub web certificate');
      if (broker) brokerPort = await broker.start();
      credentialWatch.start();
      await relay.start();
      const pruneLogs = () => pruneAuditLogs(auth, postAudit, clock.now() - config.audit.retentionDays * 86_400_000, log);
      pruneLogs();
      retentionTimer = setInterval(pruneLogs, 86_400_000).unref();
      slaTimer = setInterval(() => {
        const due = router.tick(new Date(clock.now()));
        for (const e of due) log.warn({ escalation: e }, 'case escalated: not opened in time');
        linksMetrics.countEscalations(due.length);
      }, config.slaTickMs);
      const url = await app.listen({ host: config.http.host, port: config.http.port });
      log.info({ url, broker: brokerUrl(), mode: b.mode }, 'hub ready');
      return { url, brokerUrl: brokerUrl() };
    },
    async stop() {
      clearInterval(slaTimer);
      clearInterval(retentionTimer);
      credentialWatch.stop();
      await app.close();
      await relay.stop();
      await broker?.stop();
      db.close();
    },
  };
}

type Accept = (postId: string, kind: number, bytes: Buffer, id: string) => string;

/** A post's access log goes to its own store; everything else to case ingest. */
function byKind(audit: Accept, rest: Accept): Accept {
  return (postId, kind, bytes, id) => (kind === TransferKind.auditLog ? audit : rest)(postId, kind, bytes, id);
}

/** Daily: the hub's own log and the posts' copies lose what is past retention, each through a recorded cut. */
function pruneAuditLogs(auth: HubAuth, postAudit: PostAuditStore, before: number, log: Logger): void {
  try {
    const removed = auth.audit.prune(before) + postAudit.prune(before);
    if (removed) log.info({ removed }, 'access-log entries past retention removed');
  } catch (err) {
    log.error({ err }, 'access-log retention failed; retried tomorrow');
  }
}
