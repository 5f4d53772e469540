/**
 * The post appliance, built but not started: buildPost() wires the database,
 * the relay toward the hub, the case service and the HTTP app; start() opens
 * the link and the port; stop() closes both. main.ts and the tests share it.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { ChasquiError } from '../lib/errors.js';
import { installErrorHandler } from '../lib/http-errors.js';
import { prepareWebTls } from '../lib/tls/web-tls.js';
import { certificateRoute } from '../lib/web/certificate-route.js';
import { webServer } from '../lib/web/web-server.js';
import type { Logger } from '../lib/logger.js';
import { openDatabase, type Db } from '../lib/sqlite.js';
import { downTopic, upTopic } from '../protocol/topics.js';
import type { Carrier } from '../relay/carrier.js';
import { MqttCarrier } from '../relay/mqtt-carrier.js';
import { Relay } from '../relay/relay.js';
import { relayTuning } from '../relay/tuning.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { Trust } from '../relay/trust.js';
import { parsePublicIdentity } from '../protocol/identity.js';
import { CaseService, HUB_PEER } from './cases/case-service.js';
import { PostCaseStore } from './cases/case-store.js';
import type { PostConfig } from './config.js';
import { appPlugin } from './app/app-plugin.js';
import { registerNursePages } from './app/nurse-pages.js';
import { CaseDrafts } from './cases/case-drafts.js';
import { SendRate } from './cases/case-journey.js';
import { PatientStore } from './patients/patient-store.js';
import { PhotoStore } from './photos/photo-store.js';
import { registerAuth, type Auth } from './auth/auth-plugin.js';
import { BridgeClient } from './devices/bridge-client.js';
import { EcgRecordingStore } from './ecg/ecg-recordings.js';
import { casesApi } from './http/cases-api.js';
import { devicesApi } from './http/devices-api.js';
import { acceptFromHub, acceptsFromHub } from './inbox-handler.js';
import { HeartbeatSender, softwareVersion } from './health/heartbeat-sender.js';
import { PostMetrics, postMetricsRoutes } from './health/metrics.js';
import { ThreadService } from './messages/thread-service.js';
import { ThreadStore } from './messages/thread-store.js';
import { SubmissionKeys } from '../lib/web/submission-keys.js';
import { maintenanceAhead } from './messages/maintenance-windows.js';
import { AuditShipping } from './audit/audit-shipping.js';
import { recordAccess, shownIds } from './auth/access-record.js';

export type PostDeps = { config: PostConfig; logger: Logger; clock?: Clock; carrier?: Carrier; maxPageCount?: number };

export type Post = {
  config: PostConfig;
  db: Db;
  relay: Relay;
  cases: CaseService;
  store: PostCaseStore;
  recordings: EcgRecordingStore;
  threads: ThreadService;
  patients: PatientStore;
  drafts: CaseDrafts;
  /** Idempotency keys of the nurse app's creating forms. */
  submissions: SubmissionKeys;
  auth: Auth;
  /** The access log on its way to the hub. */
  auditShipping: AuditShipping;
  app: FastifyInstance;
  /** Whether the link to the broker is up now. */
  connected(): boolean;
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
};

export function buildPost(deps: PostDeps): Post {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const log = logger.child({ mod: 'post', postId: config.postId });
  // HTTPS when the nurse app is reached beyond the box (lib/tls/web-tls.ts); a bad certificate stops the build here, before anything is opened.
  const web = prepareWebTls('post', config.http, config.dataDir);
  for (const w of web.warnings) log.warn({ tls: 'web' }, w);
  const db = openDatabase(join(config.dataDir, 'post.sqlite'), { maxPageCount: deps.maxPageCount });
  const store = new PostCaseStore(db);
  // Cases are sealed to the hub's keys and what comes down must be signed with them (README.md#trust).
  if (!config.hub.identity) {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', 'hub.identity is required: the hub\'s public keys (`chasqui hub identity` at the hub), which cases are sealed to');
  }
  const hubKeys = parsePublicIdentity(config.hub.identity);
  const trust = new Trust(loadOrCreateIdentity(config.dataDir, config.postId), (peer) => (peer === HUB_PEER ? hubKeys : undefined));
  const carrier = deps.carrier ?? new MqttCarrier({
    url: config.hub.url,
    // The broker binds the client id to the post id (hub/broker): a post cannot resume another's session.
    clientId: `post-${config.postId}`,
    username: config.postId,
    password: config.hub.password,
    ca: config.hub.ca,
    subscriptions: [downTopic(config.postId)],
    keepaliveS: config.link.keepaliveS,
    reconnectMs: config.link.reconnectMs,
    connectTimeoutMs: config.link.connectTimeoutMs,
    logger: log.child({ mod: 'mqtt' }),
  });
  const relay = new Relay({
    db, carrier, clock, logger: log.child({ mod: 'relay' }),
    routes: {
      outTopic: () => upTopic(config.postId),
      peerOf: (topic) => (topic === downTopic(config.postId) ? HUB_PEER : null),
    },
    tuning: relayTuning(config.link, config.maxBundleBytes),
    acceptsKind: acceptsFromHub,
    trust,
    // The thread service needs the relay to send receipts, so it is reached through this closure.
    accept: acceptFromHub(store, { counterReference: (id, body, at) => threads.receive(id, body, at), seen: (id, body) => threads.seen(id, body) }, { maxRawBytes: config.maxBundleBytes, maxAgeMs: config.hub.maxMessageAgeDays * 86_400_000 }, clock),
  });
  relay.on('delivered', (_peer, id, receipt) => log.info({ bundle: id, receipt }, 'case delivered'));
  relay.on('rejected', (_peer, id, code, reason) => log.error({ bundle: id, code, reason }, 'hub refused a case'));
  const recordings = new EcgRecordingStore(db);
  const cases = new CaseService({ db, store, relay, clock, postId: config.postId, maxBundleBytes: config.maxBundleBytes });
  const threads = new ThreadService({ db, threads: new ThreadStore(db), cases: store, relay, clock, postId: config.postId, maxBundleBytes: config.maxBundleBytes });
  const patients = new PatientStore(db);
  const photos = new PhotoStore(db);
  const drafts = new CaseDrafts({ db, patients, photos, recordings, cases, clock });
  const submissions = new SubmissionKeys(db, clock);
  const rate = new SendRate(clock);
  relay.on('progress', (_peer, id, acked) => rate.observe(id, acked));
  relay.on('delivered', (_peer, id) => rate.forget(id));
  relay.on('rejected', (_peer, id) => rate.forget(id));
  const bridge = new BridgeClient(config.bridge.url);
  const heartbeat = new HeartbeatSender({
    postId: config.postId, dataDir: config.dataDir, intervalS: config.health.intervalS, carrier, outbox: relay.outbox,
    bytesSent: () => relay.counters.bytesSent, link: () => relay.linkEstimate(HUB_PEER), clock, logger: log.child({ mod: 'health' }),
  });

  // Base64 inflates by 4/3; leave room for the JSON around it.
  const app = webServer(web, { loggerInstance: log.child({ mod: 'http' }) as FastifyBaseLogger, bodyLimit: Math.ceil(config.maxBundleBytes * 1.4) + 65536 });
  installErrorHandler(app);
  const https = web.https !== undefined;
  void app.register(appPlugin, { timeZone: config.region.timeZone, https });
  const auth = registerAuth(app, { db, clock, dataDir: config.dataDir, logger: log, cookieSecure: https });
  if (web.der) certificateRoute(app, web.der, `chasqui-${config.postId}.crt`);
  const auditShipping = new AuditShipping({
    db, audit: auth.audit, relay, clock, logger: log.child({ mod: 'audit' }), postId: config.postId, peer: HUB_PEER,
    maxBundleBytes: config.maxBundleBytes, options: config.audit,
  });
  app.get('/healthz', async () => ({
    ok: true, postId: config.postId, version: softwareVersion(), connected: carrier.isConnected, queued: relay.outbox.queued().length,
    sent: relay.counters, received: relay.inboundCounters,
  }));
  postMetricsRoutes(app, { metrics: new PostMetrics({ snapshot: () => heartbeat.build('schedule'), clock, connected: () => carrier.isConnected }) });
  // Everything but /healthz and /metrics is for a signed-in nurse or the box's own command line (bearer token).
  void app.register(async (api) => {
    api.addHook('preHandler', api.requireNurse);
    casesApi(api, cases, recordings);
    devicesApi(api, { bridge, recordings, clock });
    api.get('/api/messages', async (req) => {
      const messages = store.messages();
      recordAccess(req, { action: 'message.list', detail: shownIds(messages.map((m) => ({ id: m.messageId }))) });
      return { messages };
    });
  });
  registerNursePages(app, { patients, drafts, photos, recordings, cases, threads, relay, bridge, clock, rate, submissions,
    maintenance: () => maintenanceAhead(store.messages(), clock.now()) });

  return {
    config, db, relay, cases, store, recordings, threads, patients, drafts, submissions, auth, auditShipping, app,
    connected: () => carrier.isConnected,
    async start() {
      if (web.certificate) log.info({ cert: web.certificate.certFile, fingerprint256: web.certificate.fingerprint256, created: web.certificate.created }, 'post web certificate');
      heartbeat.start();
      await relay.start();
      auditShipping.start();
      const url = await app.listen({ host: config.http.host, port: config.http.port });
      log.info({ url }, 'post ready');
      return { url };
    },
    async stop() {
      auditShipping.stop();
      heartbeat.stop();
      await heartbeat.idle();
      await app.close();
      await relay.stop();
      db.close();
    },
  };
}
