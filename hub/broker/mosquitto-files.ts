/**
 * The files an external Mosquitto 2.x needs to enforce the same rules as the
 * embedded broker (broker-acl.ts): a password file, an ACL file and a config.
 * The hub writes them instead of asking an operator to run mosquitto_passwd
 * per post, because the registry already holds every post's password line.
 */
import { pbkdf2Sync, randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { ChasquiError } from '../../lib/errors.js';
import { TOPIC_ROOT } from '../../protocol/topics.js';
import { refusePlainOffLoopback } from '../../relay/link-security.js';

// Mosquitto 2.x's own defaults (src/password_mosq.c, mosquitto_passwd): any
// other choice still verifies, but matching them keeps our lines
// indistinguishable from ones an operator makes by hand.
const PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** One password-file line, `username:$7$<iterations>$<salt b64>$<hash b64>`, without a newline. */
export function mosquittoPasswdLine(username: string, password: string, opts: { salt?: Buffer; iterations?: number } = {}): string {
  checkName(username, 'CHASQUI_ERR_BAD_REQUEST');
  const iterations = opts.iterations ?? PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `PBKDF2 iterations must be a positive integer, got ${iterations}`);
  }
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  const hash = pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512');
  return `${username}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Checks a password-file line the way Mosquitto does, for `$7$` (PBKDF2) and
 * the 1.x `$6$` (salted SHA-512) formats, so a test can prove a line written
 * by the real mosquitto_passwd and one written by us are the same thing.
 */
export function verifyMosquittoPasswd(line: string, password: string): boolean {
  const stored = line.trim();
  const colon = stored.indexOf(':');
  if (colon < 1) return false;
  const fields = stored.slice(colon + 1).split('$');
  if (fields[0] !== '') return false;
  if (fields[1] === '7' && fields.length === 5) return checkPbkdf2(password, fields[2]!, fields[3]!, fields[4]!);
  if (fields[1] === '6' && fields.length === 4) return checkSha512(password, fields[2]!, fields[3]!);
  return false;
}

function checkPbkdf2(password: string, iterText: string, saltB64: string, hashB64: string): boolean {
  if (!/^[0-9]{1,9}$/.test(iterText) || Number(iterText) < 1) return false;
  const expected = Buffer.from(hashB64, 'base64');
  if (expected.length === 0) return false;
  const actual = pbkdf2Sync(password, Buffer.from(saltB64, 'base64'), Number(iterText), expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}

function checkSha512(password: string, saltB64: string, hashB64: string): boolean {
  const expected = Buffer.from(hashB64, 'base64');
  const actual = createHash('sha512').update(password).update(Buffer.from(saltB64, 'base64')).digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * One ACL file for any number of posts: each post's username is its post id,
 * so `%u` patterns confine every post to its own three topics without listing
 * posts, and registering a post never requires rewriting the ACL.
 * Patterns apply to every account, the hub's included; that only grants the
 * hub a post-shaped topic under its own name, which it never uses. The post
 * registry must still never register a post whose id equals the hub account.
 */
export function mosquittoAclFile(hubUser: string): string {
  checkName(hubUser, 'CHASQUI_ERR_CONFIG');
  return [
    '# Written by Chasqui (chasqui hub mosquitto-files). A post logs in with its post id,',
    '# publishes only on its own up and health topics and reads only its own down topic.',
    `pattern write ${TOPIC_ROOT}/%u/up`,
    `pattern write ${TOPIC_ROOT}/%u/health`,
    `pattern read ${TOPIC_ROOT}/%u/down`,
    '',
    '# The hub reads every post and writes to every post, nothing else.',
    `user ${hubUser}`,
    `topic read ${TOPIC_ROOT}/+/up`,
    `topic read ${TOPIC_ROOT}/+/health`,
    `topic write ${TOPIC_ROOT}/+/down`,
    '',
  ].join('\n');
}

export type MosquittoConfOptions = {
  port: number; host: string; passwordFile: string; aclFile: string; persistenceDir?: string;
  /** The listener's PEM certificate and key; required unless `host` is loopback. */
  tls?: { certFile: string; keyFile: string };
};

export function mosquittoConf(o: MosquittoConfOptions): string {
  for (const p of [o.host, o.passwordFile, o.aclFile, o.persistenceDir ?? '', o.tls?.certFile ?? '', o.tls?.keyFile ?? '']) checkConfValue(p);
  if (!o.tls) refusePlainOffLoopback(o.host, 'a Mosquitto listener with no certificate and key');
  return [
    '# Written by Chasqui (chasqui hub mosquitto-files).',
    // Mosquitto 2 otherwise keeps the first listener's security settings for all of them.
    'per_listener_settings false',
    `listener ${o.port} ${o.host}`,
    ...listenerTls(o.tls),
    'allow_anonymous false',
    // The session belongs to the account: a post cannot take over another post's (or the hub's) session by naming its client id.
    'use_username_as_clientid true',
    `password_file ${o.passwordFile}`,
    `acl_file ${o.aclFile}`,
    '',
    ...storeAndForwardLimits(),
    '',
    ...persistence(o.persistenceDir),
    '',
    // Under systemd or docker, stdout goes to the journal; a log file would need its own rotation.
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    'connection_messages true',
    '',
  ].join('\n');
}

/** certfile/keyfile/tls_version belong to the listener above them (mosquitto.conf(5), Mosquitto 2.0). */
function listenerTls(tls: MosquittoConfOptions['tls']): string[] {
  if (!tls) return [];
  return [
    `certfile ${tls.certFile}`,
    `keyfile ${tls.keyFile}`,
    // Since 2.0 a minimum, not the only version: TLS 1.3 is negotiated wherever the peer has it.
    'tls_version tlsv1.2',
  ];
}

function storeAndForwardLimits(): string[] {
  return [
    // A post may be offline for days while the hub keeps writing to it; the default
    // 1000 queued messages would silently drop notices, so queue far more; the byte cap
    // (per client, held in RAM) stops a long-dead hub session from exhausting memory.
    'max_queued_messages 100000',
    'max_queued_bytes 268435456',
    // Chasqui's relay paces its own window; the broker's in-flight cap should not be the
    // bottleneck on a long, fat satellite link, nor unbounded for a slow radio link.
    'max_inflight_messages 200',
    // Chunks are small and latency-sensitive acknowledgements follow them; Nagle only delays them.
    'set_tcp_nodelay true',
    // A post's persistent session is its mailbox; it must survive however long the post is away.
    'persistent_client_expiration 365d',
  ];
}

function persistence(dir: string | undefined): string[] {
  if (!dir) return ['persistence false'];
  return [
    // Queued messages for offline posts live only in memory unless persisted; a broker
    // restart would otherwise lose every mailbox.
    'persistence true',
    // Mosquitto 1.x appended the file name verbatim; a trailing slash is right for every version.
    `persistence_location ${dir.endsWith('/') ? dir : `${dir}/`}`,
    // Mosquitto 2 also saves on SIGTERM; a short interval limits the loss on a power cut.
    'autosave_interval 60',
  ];
}

/** A name that could break the line-based password or ACL file, or act as a wildcard in `%u`, is refused. */
function checkName(name: string, code: 'CHASQUI_ERR_BAD_REQUEST' | 'CHASQUI_ERR_CONFIG'): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new ChasquiError(code, `broker username "${name}" must be 1-64 letters, digits, dots, dashes or underscores`);
  }
}

function checkConfValue(value: string): void {
  if (/[\r\n]/.test(value)) throw new ChasquiError('CHASQUI_ERR_CONFIG', 'mosquitto config values must be single-line');
}
