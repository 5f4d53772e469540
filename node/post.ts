/**
 * The post appliance, built but not started: buildPost() wires the database,
 * the relay toward the hub, the case service and the HTTP app; start() opens
 * the link and the port; stop() closes both. main.ts and the tests share it.
 *
 * It starts locked (node/vault): the relay forwards what is queued (already
 * sealed to the hub) and keeps what arrives sealed, while the clinical
 * services wait for the first nurse's sign-in to open clinical.sqlite.
 */
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
import { downTopic, upTopic } from '../protocol/topics.js';
import type { Carrier } from '../relay/carrier.js';
import { MqttCarrier } from '../relay/mqtt-carrier.js';
import { Relay } from '../relay/relay.js';
import { relayTuning } from '../relay/tuning.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { Trust } from '../relay/trust.js';
import { parsePublicIdentity } from '../protocol/identity.js';
import { HUB_PEER, type CaseService } from './cases/case-service.js';
import type { PostCaseStore } from './cases/case-store.js';
import type { PostConfig } from './config.js';
import { appPlugin } from './app/app-plugin.js';
import { registerNursePages } from './app/nurse-pages.js';
import type { CaseDrafts } from './cases/case-drafts.js';
import { SendRate } from './cases/case-journey.js';
import type { PatientStore } from './patients/patient-store.js';
import { registerAuth, type Auth } from './auth/auth-plugin.js';
import { BridgeClient } from './devices/bridge-client.js';
import type { EcgRecordingStore } from './ecg/ecg-recordings.js';
import { casesApi } from './http/cases-api.js';
import { devicesApi } from './http/devices-api.js';
import { acceptsFromHub } from './inbox-handler.js';
import { HeartbeatSender, softwareVersion } from './health/heartbeat-sender.js';
import { PostMetrics, postMetricsRoutes } from './health/metrics.js';
import type { ThreadService } from './messages/thread-service.js';
import { SubmissionKeys } from '../lib/web/submission-keys.js';
import { buildClinical, migrateClinical, type ClinicalServices } from './clinical-services.js';
import { openPostDatabase } from './post-database.js';
import { attachClinical } from './vault/clinical-database.js';
import { PostVault } from './vault/post-vault.js';
import { SealedArrivals } from './vault/sealed-arrivals.js';
import { admitNurse } from './vault/vault-admission.js';
import { throwLocked, whenOpen } from './vault/when-open.js';
import type { ScryptParams } from '../lib/auth/secret-hash.js';
import { maintenanceAhead } from './messages/maintenance-windows.js';
import { AuditShipping } from './audit/audit-shipping.js';
import { recordAccess, shownIds } from './auth/access-record.js';

export type PostDeps = {
  config: PostConfig; logger: Logger; clock?: Clock; carrier?: Carrier; maxPageCount?: number;
  /** Cheaper key slots for tests (the default costs ~0.45 s per sign-in, on purpose). */
  scrypt?: ScryptParams;
};

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
  vault: PostVault;
  /** What the hub sent while the data was locked, waiting for a sign-in. */
  held: SealedArrivals;
  /** The same as a nurse's sign-in, without HTTP: checks her secret and opens the vault. False when either fails. */
  openWith(username: string, secret: string): Promise<boolean>;
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
  const db = openPostDatabase(config.dataDir, { maxPageCount: deps.maxPageCount });
  const vault = new PostVault(db, clock, deps.scrypt);
  const held = new SealedArrivals(db, clock, vault);
  let clinical: ClinicalServices | undefined;
  const live = (): ClinicalServices => clinical ?? throwLocked();
  const open = <K extends Exclude<keyof ClinicalServices, 'accept'>>(k: K): ClinicalServices[K] => whenOpen(k, () => clinical?.[k]);
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
    // Reached through closures: the clinical side exists only once the vault is open, and needs the relay itself.
    holdSealed: (peer, kind, sealed, id) => (clinical ? undefined : held.hold(peer, kind, sealed, id)),
    accept: (peer, kind, bytes, id) => live().accept(peer, kind, bytes, id),
  });
  relay.on('delivered', (_peer, id, receipt) => log.info({ bundle: id, receipt }, 'case delivered'));
  relay.on('rejected', (_peer, id, code, reason) => log.error({ bundle: id, code, reason }, 'hub refused a case'));
  vault.onOpen((dataKey) => {
    attachClinical(db, config.dataDir, dataKey, migrateClinical);
    if (deps.maxPageCount) db.pragma(`clinical.max_page_count = ${Math.floor(deps.maxPageCount)}`);
    clinical = buildClinical({ db, relay, clock, config });
    const c = clinical;
    const done = held.openAll((peer, kind, sealed, id) => c.accept(peer, kind, trust.open(peer, sealed), id), log.child({ mod: 'vault' }));
    log.info({ ...done }, 'clinical data opened');
  });
  const store = open('store');
  const recordings = open('recordings');
  const cases = open('cases');
  const threads = open('threads');
  const patients = open('patients');
  const photos = open('photos');
  const drafts = open('drafts');
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
  const lock = { isOpen: () => vault.isOpen(), admit: (nurseId: string, secret: string) => admitNurse(vault, nurseId, secret, log.child({ mod: 'vault' })) };
  const auth = registerAuth(app, { db, clock, dataDir: config.dataDir, logger: log, scrypt: deps.scrypt, lock, cookieSecure: https });
  if (web.der) certificateRoute(app, web.der, `chasqui-${config.postId}.crt`);
  const auditShipping = new AuditShipping({
    db, audit: auth.audit, relay, clock, logger: log.child({ mod: 'audit' }), postId: config.postId, peer: HUB_PEER,
    maxBundleBytes: config.maxBundleBytes, options: config.audit,
  });
  app.get('/healthz', async () => ({
    ok: true, postId: config.postId, version: softwareVersion(), connected: carrier.isConnected, queued: relay.outbox.queued().length,
    sent: relay.counters, received: relay.inboundCounters, locked: !vault.isOpen(), held: held.count(),
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
    config, db, relay, cases, store, recordings, threads, patients, drafts, submissions, auth, vault, held, auditShipping, app,
    async openWith(username, secret) {
      const r = await auth.accounts.verify(username, secret);
      return r.ok && (await lock.admit(r.nurse.id, secret));
    },
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
