/** `chasqui post …`: run the post appliance, submit a case to it, see where cases are. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.js';
import { ChasquiError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { API_TOKEN_FILE, readApiTokenFile } from '../node/auth/api-token.js';
import { PostConfigSchema, type PostConfig } from '../node/config.js';
import { identityText } from '../protocol/identity.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { buildPost } from '../node/post.js';
import { certificateReport, ensureWebCertificate, webTlsEnabled, webTlsFiles } from '../lib/tls/web-tls.js';
import { callPost, type ApiAnswer, type PostApi } from './post-api.js';
import { databaseAnswers, runUntilSignal, systemdSupervisor } from './lifecycle.js';
import { nurseCommand } from './nurse-commands.js';

const MEDIA: Record<string, string> = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.pdf': 'application/pdf',
  '.hea': 'text/plain', '.dat': 'application/x-wfdb-signal', '.atr': 'application/x-wfdb-annotation',
  '.scp': 'application/x-scp-ecg', '.dcm': 'application/dicom', '.json': 'application/json', '.txt': 'text/plain',
};

export function mediaTypeOf(file: string): string {
  return MEDIA[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export async function postCommand(argv: string[]): Promise<number> {
  // Its own options (--name, --admin, --pin) would trip the parser below.
  if (argv[0] === 'nurse') return nurseCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, url: { type: 'string' },
      urgent: { type: 'boolean', default: false }, reason: { type: 'string', default: '' }, 'case-id': { type: 'string' },
      'token-file': { type: 'string' }, force: { type: 'boolean', default: false },
    },
  });
  const [sub, ...files] = positionals;
  if (sub === 'submit' || sub === 'status') {
    const api = { ...postUrl(values.url, values.config), token: readApiTokenFile(tokenFile(values['token-file'], values.config)) };
    return sub === 'submit' ? submit(api, files, values.urgent!, values.reason!, values['case-id']) : status(api);
  }
  const config = loadConfig(PostConfigSchema, { file: values.config ?? process.env.CHASQUI_CONFIG, env: process.env });
  if (sub === 'identity') return printIdentity(config);
  if (sub === 'certificate') return printCertificate(config, values.force!);
  if (sub !== undefined) throw new ChasquiError('CHASQUI_ERR_USAGE', `unknown post command "${sub}"`);
  const logger = createLogger({ name: 'chasqui-post', level: config.logLevel });
  const post = buildPost({ config, logger });
  const systemd = systemdSupervisor({ env: process.env, logger, probe: databaseAnswers(post.db) });
  await post.start().catch((err: unknown) => { systemd.close(); throw err; });
  systemd.ready();
  return runUntilSignal(() => post.stop(), logger, systemd);
}

/** The post's public keys as one line, for `chasqui hub post-identity` at the hub; made on first use. */
function printIdentity(config: PostConfig): number {
  const id = loadOrCreateIdentity(config.dataDir, config.postId);
  process.stdout.write(identityText(id));
  return 0;
}

/**
 * The certificate phones install to trust the nurse app (README.md#how-a-phone-trusts-the-post):
 * made if absent (provisioning runs this), its fingerprint for the box's label.
 */
function printCertificate(config: PostConfig, force: boolean): number {
  const cert = ensureWebCertificate('post', config.http, config.dataDir, { force });
  process.stdout.write(`${certificateReport('post', cert, config.http).join('\n')}\n`);
  return 0;
}

/** The post's default dataDir is ./data/post; with --config, the dataDir that config names. */
export const DEFAULT_TOKEN_FILE = `./data/post/${API_TOKEN_FILE}`;

export function tokenFile(explicit: string | undefined, configFile: string | undefined): string {
  if (explicit) return explicit;
  if (!configFile) return DEFAULT_TOKEN_FILE;
  return join(loadConfig(PostConfigSchema, { file: configFile, env: process.env }).dataDir, API_TOKEN_FILE);
}

/**
 * --url, else where the post of --config listens (a post listening on every address answers on loopback too),
 * over HTTPS when it serves HTTPS, trusting its own certificate.
 */
export function postUrl(explicit: string | undefined, configFile: string | undefined): { url: string; ca?: string } {
  const config = configFile ? loadConfig(PostConfigSchema, { file: configFile, env: process.env }) : undefined;
  const ca = config && webTlsEnabled(config.http) ? (config.http.tls.cert ?? webTlsFiles(config.dataDir).certFile) : undefined;
  if (explicit) return { url: explicit, ...(ca ? { ca } : {}) };
  if (!config) return { url: 'http://127.0.0.1:8080' };
  const { http } = config;
  const host = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
  return { url: `${ca ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${http.port}`, ...(ca ? { ca } : {}) };
}

type ApiError = { error?: { code: string; message: string } };

function failed(res: ApiAnswer): number {
  const { error } = res.json as ApiError;
  process.stderr.write(`chasqui: ${error?.code ?? `HTTP ${res.status}`}: ${error?.message ?? res.statusText}\n`);
  return 1;
}

async function submit(api: PostApi, files: string[], urgent: boolean, reason: string, caseId?: string): Promise<number> {
  const attachments = files.map((f) => ({ name: basename(f), mediaType: mediaTypeOf(f), dataBase64: readFileSync(f).toString('base64') }));
  const res = await callPost(api, 'POST', '/api/cases', { caseId: caseId ?? randomUUID(), priority: urgent ? 'urgent' : 'routine', body: { reason }, attachments });
  if (!res.ok) return failed(res);
  const json = res.json as { caseId?: string; status?: { state: string } };
  process.stdout.write(`case ${json.caseId}: ${json.status?.state}\n`);
  return 0;
}

async function status(api: PostApi): Promise<number> {
  const res = await callPost(api, 'GET', '/api/cases');
  const json = res.json as { cases?: Array<{ caseId: string; priority: string; bundleSize: number; status: { state: string; percent: number } }> };
  if (!res.ok || !json.cases) return failed(res);
  const { cases } = json;
  for (const c of cases) {
    process.stdout.write(`${c.caseId}  ${c.priority.padEnd(7)}  ${String(c.bundleSize).padStart(9)} B  ${c.status.state} ${c.status.percent}%\n`);
  }
  if (!cases.length) process.stdout.write('no cases yet\n');
  return 0;
}
