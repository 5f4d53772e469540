/** `chasqui post …`: run the post appliance, submit a case to it, see where cases are. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.js';
import { ChasquiError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { PostConfigSchema } from '../node/config.js';
import { buildPost } from '../node/post.js';
import { runUntilSignal } from './lifecycle.js';

const MEDIA: Record<string, string> = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.pdf': 'application/pdf',
  '.hea': 'text/plain', '.dat': 'application/x-wfdb-signal', '.atr': 'application/x-wfdb-annotation',
  '.scp': 'application/x-scp-ecg', '.dcm': 'application/dicom', '.json': 'application/json', '.txt': 'text/plain',
};

export function mediaTypeOf(file: string): string {
  return MEDIA[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export async function postCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:8080' },
      urgent: { type: 'boolean', default: false }, reason: { type: 'string', default: '' }, 'case-id': { type: 'string' },
    },
  });
  const [sub, ...files] = positionals;
  if (sub === 'submit') return submit(values.url!, files, values.urgent!, values.reason!, values['case-id']);
  if (sub === 'status') return status(values.url!);
  if (sub !== undefined) throw new ChasquiError('CHASQUI_ERR_USAGE', `unknown post command "${sub}"`);
  const config = loadConfig(PostConfigSchema, { file: values.config ?? process.env.CHASQUI_CONFIG, env: process.env });
  const logger = createLogger({ name: 'chasqui-post', level: config.logLevel });
  const post = buildPost({ config, logger });
  await post.start();
  return runUntilSignal(() => post.stop(), logger);
}

async function submit(url: string, files: string[], urgent: boolean, reason: string, caseId?: string): Promise<number> {
  const attachments = files.map((f) => ({ name: basename(f), mediaType: mediaTypeOf(f), dataBase64: readFileSync(f).toString('base64') }));
  const res = await fetch(`${url}/api/cases`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ caseId: caseId ?? randomUUID(), priority: urgent ? 'urgent' : 'routine', body: { reason }, attachments }),
  });
  const json = (await res.json()) as { caseId?: string; status?: { state: string }; error?: { code: string; message: string } };
  if (!res.ok) {
    process.stderr.write(`chasqui: ${json.error?.code}: ${json.error?.message}\n`);
    return 1;
  }
  process.stdout.write(`case ${json.caseId}: ${json.status?.state}\n`);
  return 0;
}

async function status(url: string): Promise<number> {
  const res = await fetch(`${url}/api/cases`);
  const { cases } = (await res.json()) as { cases: Array<{ caseId: string; priority: string; bundleSize: number; status: { state: string; percent: number } }> };
  for (const c of cases) {
    process.stdout.write(`${c.caseId}  ${c.priority.padEnd(7)}  ${String(c.bundleSize).padStart(9)} B  ${c.status.state} ${c.status.percent}%\n`);
  }
  if (!cases.length) process.stdout.write('no cases yet\n');
  return 0;
}
