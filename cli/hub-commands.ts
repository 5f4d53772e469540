/** `chasqui hub …`: make its certificate, run the hub, register posts, write files for an external Mosquitto. */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabaseKeyFile } from '../lib/database-key.js';
import { ChasquiError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { databaseState } from '../lib/sqlite.js';
import type { HubConfig } from '../hub/config.js';
import { buildHub, HUB_IDENTITY_NAME } from '../hub/hub.js';
import { fingerprint, formatPublicIdentity, identityText } from '../protocol/identity.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { mosquittoAclFile, mosquittoConf } from '../hub/broker/mosquitto-files.js';
import { PostRegistry } from '../hub/posts/post-registry.js';
import { defaultHubTlsFiles, ensureHubCertificate, type HubCertificate, type HubTlsFiles } from '../hub/tls/hub-certificate.js';
import { hubTls } from '../hub/tls/hub-tls.js';
import { certificateReport, ensureWebCertificate } from '../lib/tls/web-tls.js';
import { hubDatabaseFile } from '../hub/storage/hub-database.js';
import { loadHubSetup, openHubDb, type HubSetup } from './hub-setup.js';
import { hubUserCommand } from './hub-user-commands.js';
import { databaseAnswers, runUntilSignal, systemdSupervisor } from './lifecycle.js';

export async function hubCommand(argv: string[]): Promise<number> {
  // Its own options (--role, --specialty) would trip the parser below.
  if (argv[0] === 'user') return hubUserCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, password: { type: 'string' }, force: { type: 'boolean' }, identity: { type: 'string' }, reinstate: { type: 'boolean' },
      // add-post: the post's display name; init: a DNS name posts reach the hub by (repeatable).
      name: { type: 'string', multiple: true }, ip: { type: 'string', multiple: true },
    },
  });
  const setup = loadHubSetup(values.config, process.env);
  const { config } = setup;
  const [sub, arg] = positionals;
  if (sub === 'init') return init(setup, { names: values.name ?? [], ips: values.ip ?? [], force: values.force === true });
  if (sub === 'add-post') return addPost(setup, arg, { name: values.name?.[0], password: values.password, identity: values.identity, reinstate: values.reinstate });
  if (sub === 'post-identity') return postIdentity(setup, arg, positionals[2]);
  if (sub === 'identity') return printHubIdentity(config);
  if (sub === 'certificate') return printWebCertificate(config, values.force === true);
  if (sub === 'revoke-post') return revokePost(setup, arg);
  if (sub === 'mosquitto-files') return writeMosquittoFiles(setup, arg);
  if (sub !== undefined) throw new ChasquiError('CHASQUI_ERR_USAGE', `unknown hub command "${sub}"`);
  const logger = createLogger({ name: 'chasqui-hub', level: config.logLevel });
  const hub = buildHub({ config, logger, keyLocation: setup.keys });
  const systemd = systemdSupervisor({ env: process.env, logger, probe: databaseAnswers(hub.db) });
  // Ready once both the HTTP server and the broker listen: hub.start() brings up both.
  await hub.start().catch((err: unknown) => { systemd.close(); throw err; });
  systemd.ready();
  return runUntilSignal(() => hub.stop(), logger, systemd);
}

/**
 * The hub's database key, its TLS key and certificate: made once, kept after
 * (`--force` replaces the certificate; every post must then get the new one;
 * it never replaces the database key, which alone opens the data).
 */
function init(setup: HubSetup, o: { names: string[]; ips: string[]; force: boolean }): number {
  const { config } = setup;
  const cert = ensureHubCertificate({ files: ownTlsFiles(config), names: o.names, ips: o.ips, force: o.force });
  // The signing and sealing keys are never replaced by --force: every post's pin of them would break.
  const id = hubIdentity(config);
  const kept = cert.created ? 'created' : 'kept (chasqui hub init --force replaces it)';
  process.stdout.write([
    `hub certificate: ${cert.certFile} ${kept}`,
    `private key:     ${cert.keyFile} (0600, never leaves the hub)`,
    `SHA-256 fingerprint: ${cert.fingerprint256}`,
    `names: ${cert.subjectAltName}`,
    `valid until: ${cert.validTo}`,
    `each post pins this certificate: scripts/provision-post.sh ... --hub-ca ${cert.certFile}`,
    `hub keys (posts seal to them and check what the hub signs): ${formatPublicIdentity(id)}`,
    `keys fingerprint: ${fingerprint(id)}; each post gets them with provision-post.sh ... --hub-identity LINE`,
    // The specialists' app's own certificate; --force is for the broker's, so a phone's installed one is kept.
    ...certificateReport('hub', ensureWebCertificate('hub', config.http, config.dataDir), config.http),
    '',
  ].join('\n'));
  // Last: as the hub's user it may fail (the key's place is root's), with the certificate already made for that user.
  process.stdout.write(`${initDatabaseKey(setup)}\n`);
  return 0;
}

/** The certificate specialists' phones and browsers install to trust the hub's web app (README.md#how-a-phone-trusts-the-post). */
function printWebCertificate(config: HubConfig, force: boolean): number {
  const cert = ensureWebCertificate('hub', config.http, config.dataDir, { force });
  process.stdout.write(`${certificateReport('hub', cert, config.http).join('\n')}\n`);
  return 0;
}

/** The key hub.sqlite is encrypted under, made here (0600) unless a key or an encrypted database is already there. */
function initDatabaseKey({ config, keys }: HubSetup): string {
  if (keys.systemd) return `database key: ${keys.file} (a systemd credential, read-only here)`;
  const dbFile = hubDatabaseFile(config);
  const created = ensureDatabaseKeyFile(keys.file, databaseState(dbFile) === 'encrypted' ? { encryptedDatabase: dbFile } : {});
  return [
    `database key:    ${keys.file} ${created ? 'created' : 'kept'} (0600; hub.sqlite, its photos and ECGs are encrypted under it)`,
    `back it up now, apart from the backups of ${config.dataDir}: without it no backup of the data opens, and with it anyone's copy does`,
  ].join('\n');
}

function withRegistry<T>(setup: HubSetup, fn: (posts: PostRegistry) => T): T {
  const db = openHubDb(setup);
  try {
    return fn(new PostRegistry(db));
  } finally {
    db.close();
  }
}

function hubIdentity(config: HubConfig) {
  return loadOrCreateIdentity(config.dataDir, HUB_IDENTITY_NAME);
}

/**
 * Registers a post, or re-keys it (a running hub then cuts its open sessions).
 * A revoked id needs --reinstate: a new box under an old id is a decision, not a typo.
 */
function addPost(setup: HubSetup, postId: string | undefined, o: { name?: string; password?: string; identity?: string; reinstate?: boolean }): number {
  if (!postId) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui hub add-post ID [--name NAME] [--identity POST-KEYS] [--reinstate]');
  const { identity } = o;
  const { config } = setup;
  const pw = withRegistry(setup, (posts) => {
    const secret = posts.register(postId, o.name, o.password, { reinstate: o.reinstate ?? false });
    if (identity) posts.setIdentity(postId, identity);
    return secret;
  });
  const cert = pinnedCertificate(config);
  const snippet = { postId, hub: { url: 'mqtts://HUB-ADDRESS:8883', ca: '/etc/chasqui/hub-ca.pem', password: pw, identity: formatPublicIdentity(hubIdentity(config)) } };
  process.stdout.write(`${JSON.stringify(snippet, null, 2)}\n`);
  // Beside the JSON, so the JSON stays machine-readable.
  process.stderr.write(cert
    ? `hub.ca is a copy of ${cert.certFile} (SHA-256 ${cert.fingerprint256}); provision-post.sh --hub-ca ${cert.certFile} installs it\n`
    : 'hub.ca: the PEM certificate of the broker (broker.ca), which the post pins\n');
  if (!identity) process.stderr.write(`then, with the line \`chasqui post identity\` prints on the box: chasqui hub post-identity ${postId} LINE\n`);
  return 0;
}

/** The post's public keys, from the line `chasqui post identity` printed on the box: until then its cases wait. */
function postIdentity(setup: HubSetup, postId: string | undefined, line: string | undefined): number {
  if (!postId || !line) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui hub post-identity ID LINE');
  const id = withRegistry(setup, (posts) => posts.setIdentity(postId, line));
  process.stdout.write(`post ${postId}: keys ${fingerprint(id)} registered\n`);
  return 0;
}

function printHubIdentity(config: HubConfig): number {
  const id = hubIdentity(config);
  process.stdout.write(identityText(id));
  return 0;
}

/**
 * A lost or stolen box: its credential and keys go, its row stays (marked
 * revoked) with the cases it delivered. A running hub cuts its sessions
 * within broker.registryPollMs; the change is in SQLite, so any process sees it.
 */
function revokePost(setup: HubSetup, postId: string | undefined): number {
  if (!postId) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui hub revoke-post ID');
  const { revokedAt, already } = withRegistry(setup, (posts) => posts.revoke(postId));
  process.stdout.write(`${JSON.stringify({ postId, revokedAt, already })}\n`);
  if (setup.config.broker.mode === 'external') {
    process.stderr.write('external broker: run `chasqui hub mosquitto-files DIR` again and reload Mosquitto so it refuses the post too\n');
  }
  return 0;
}

/** The certificate posts pin: the embedded broker's (made if absent), or the external broker's `broker.ca`. */
function pinnedCertificate(config: HubConfig): HubCertificate | undefined {
  const tls = hubTls(config);
  return tls.listener ? tls.prepare() : undefined;
}

function ownTlsFiles(config: HubConfig): HubTlsFiles {
  const d = defaultHubTlsFiles(config.dataDir);
  return { certFile: config.broker.tls.cert ?? d.certFile, keyFile: config.broker.tls.key ?? d.keyFile };
}

function writeMosquittoFiles(setup: HubSetup, dir: string | undefined): number {
  const { config } = setup;
  if (!dir) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui hub mosquitto-files DIR');
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const db = openHubDb(setup);
  try {
    const lines = new PostRegistry(db).mosquittoLines();
    writeFileSync(join(out, 'passwd'), `${lines.join('\n')}\n`, { mode: 0o600 });
    writeFileSync(join(out, 'acl'), mosquittoAclFile(config.broker.username));
    // Mosquitto serves the hub's own pair, so posts and the hub pin the one certificate `chasqui hub init` made.
    const cert = ensureHubCertificate({ files: ownTlsFiles(config) });
    const tls = { certFile: join(out, 'hub-cert.pem'), keyFile: join(out, 'hub-key.pem') };
    copyFileSync(cert.certFile, tls.certFile);
    copyFileSync(cert.keyFile, tls.keyFile);
    chmodSync(tls.keyFile, 0o600);
    writeFileSync(join(out, 'mosquitto.conf'), mosquittoConf({
      host: '0.0.0.0', port: 8883, passwordFile: join(out, 'passwd'), aclFile: join(out, 'acl'), persistenceDir: join(out, 'data'), tls,
    }));
    process.stdout.write(`wrote passwd (${lines.length} posts), acl, mosquitto.conf and the hub's certificate and key (0600) to ${out}\n` +
      `add the hub account with: mosquitto_passwd ${join(out, 'passwd')} ${config.broker.username}\n` +
      `the hub pins it with broker.ca ${cert.certFile}, posts with hub.ca (SHA-256 ${cert.fingerprint256})\n`);
    return 0;
  } finally {
    db.close();
  }
}
