/**
 * `chasqui demo`: a hub with its embedded broker and one post, on localhost,
 * in one process, with a few real cases (ECG records and photos from
 * ../shared/data when it is there) so a newcomer sees cases travel at once.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.js';
import { ChasquiError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { HubConfigSchema } from '../hub/config.js';
import { buildHub } from '../hub/hub.js';
import { PostConfigSchema } from '../node/config.js';
import { buildPost } from '../node/post.js';
import { formatPublicIdentity } from '../protocol/identity.js';
import { loadOrCreateIdentity } from '../relay/identity-file.js';
import { startDemoDevices } from './demo-devices.js';
import { readEcgFile } from '../firmware-bridge/ecg/ecg-files.js';
import { ECG_MEDIA_TYPE } from '../node/ecg/ecg-recordings.js';
import { encodeEcg } from '../protocol/ecg-codec.js';
import { prepareAttachments } from '../node/photos/photo-attachments.js';
import { runUntilSignal } from './lifecycle.js';
import { mediaTypeOf } from './post-commands.js';

const SAMPLES: Array<{ priority: 'urgent' | 'routine'; reason: string; files: string[] }> = [
  { priority: 'urgent', reason: 'Dolor torácico de 2 horas', files: ['ecg/mitdb/100s.hea', 'ecg/mitdb/100s.dat'] },
  { priority: 'routine', reason: 'Lesión en la piel del antebrazo', files: ['photos/canon_hdr_NO.jpg'] },
  { priority: 'routine', reason: 'Control: ECG de 12 derivaciones', files: ['ecg/ludb/1.hea', 'ecg/ludb/1.dat'] },
];

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string', default: '.demo' }, 'http-port': { type: 'string', default: '8080' }, 'bridge-port': { type: 'string', default: '8070' },
      'hub-port': { type: 'string', default: '8090' }, fresh: { type: 'boolean', default: false },
    },
  });
  const dir = resolve(values.dir!);
  if (values.fresh) startAfresh(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'Written by `chasqui demo`; `npm run demo -- --fresh` (or `chasqui demo --fresh`) removes this folder and starts afresh.\n');
  const logger = createLogger({ name: 'chasqui-demo', level: process.env.CHASQUI_LOG_LEVEL ?? 'warn' });
  const hubConfig = loadConfig(HubConfigSchema, {
    overrides: { dataDir: join(dir, 'hub'), broker: { host: '127.0.0.1', port: 0 }, http: { port: Number(values['hub-port']) }, routing: DEMO_ROUTING },
  });
  const hub = buildHub({ config: hubConfig, logger });
  const { url: hubUrl, brokerUrl } = await hub.start();
  await demoSpecialists(hub);
  const password = hub.posts.register('demo-post', 'Puesto de Salud demo');
  // What provisioning does with two boxes, done here on one: the post's keys made in its data directory, the public halves exchanged.
  hub.posts.setIdentity('demo-post', formatPublicIdentity(loadOrCreateIdentity(join(dir, 'post'), 'demo-post')));
  const devices = await startDemoDevices(join(dir, 'devices'), Number(values['bridge-port']), logger);
  const postConfig = loadConfig(PostConfigSchema, {
    overrides: {
      postId: 'demo-post', dataDir: join(dir, 'post'), hub: { url: brokerUrl, password, identity: formatPublicIdentity(hub.identity), ca: hub.brokerCa() }, http: { port: Number(values['http-port']) },
      bridge: { url: devices.url },
    },
  });
  const post = buildPost({ config: postConfig, logger });
  const { url: postUrl } = await post.start();
  const nurse = await demoNurse(post);
  // The demo opens the post's data as its nurse's sign-in would, so its sample cases can be written at once.
  await post.openWith(nurse.username, nurse.password);
  const submitted = await submitSamples(post);
  const configs = writeConfigs(dir, { ...hubConfig, broker: { ...hubConfig.broker, port: Number(new URL(brokerUrl).port) } }, postConfig);
  const shown = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
  process.stdout.write(`Chasqui demo running (data in ${shown(dir)}; \`npm run demo -- --fresh\` starts afresh)
  post  ${postUrl}/api/cases      the post's cases and where each one is (${submitted} sample cases submitted)
  hub   ${hubUrl}/          the specialists' app: sign in as "cardiologia" or "medicina" (or "operador" for the links), password "chasqui-demo"
  broker ${brokerUrl}  (embedded aedes, TLS; the post pins ${shown(hub.brokerCa() ?? '')})
  ${devices.summary}
  nurse app ${postUrl}/    sign in as "${nurse.username}" with password "${nurse.password}" (a demo account)
Commands against this demo (its configs: ${shown(configs.post)}, ${shown(configs.hub)}):
  npx chasqui post status --config ${shown(configs.post)}
  npx chasqui post submit --config ${shown(configs.post)} --urgent --reason "..." FILE...
  echo 'una-clave-larga' | npx chasqui post nurse add rosa --name "Rosa Huamán" --config ${shown(configs.post)}
  echo 'otra-clave-larga' | npx chasqui hub user add dra.quispe --name "Dra. Carmen Quispe" --role specialist --specialty cardiology --config ${shown(configs.hub)}
Take a 10 s ECG at the post: curl -X POST -H 'content-type: application/json' -H "Authorization: Bearer $(cat ${shown(join(dir, 'post', 'api-token'))})" -d '{"device":"ecg","seconds":10}' ${postUrl}/api/ecg/captures
Ctrl-C stops; the data stays in ${shown(dir)}.
`);
  return runUntilSignal(async () => {
    await post.stop();
    await devices.stop();
    await hub.stop();
  }, logger);
}

/** Marks a folder as the demo's, so --fresh removes only what a demo wrote. */
const MARKER = 'chasqui-demo.txt';

function startAfresh(dir: string): void {
  if (!existsSync(dir)) return;
  // Demos from before the marker left their two databases' folders.
  const demoLayout = existsSync(join(dir, 'hub', 'hub.sqlite')) && existsSync(join(dir, 'post', 'post.sqlite'));
  if (!existsSync(join(dir, MARKER)) && !demoLayout) {
    throw new ChasquiError('CHASQUI_ERR_USAGE', `${dir} was not written by chasqui demo (no ${MARKER} in it); --fresh removes only a demo's folder: remove it yourself or choose another --dir`);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The configs the demo runs with, as files: every command a newcomer types
 * takes `--config .demo/post.json` (or hub.json), as on a real box it takes
 * `--config /etc/chasqui/post.json`, instead of four guessed variables. The
 * post's holds its hub password: owner-only.
 */
function writeConfigs(dir: string, hub: object, post: object): { hub: string; post: string } {
  const files = { hub: join(dir, 'hub.json'), post: join(dir, 'post.json') };
  writeFileSync(files.hub, `${JSON.stringify(hub, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(files.post, `${JSON.stringify(post, null, 2)}\n`, { mode: 0o600 });
  return files;
}

/** Every specialty on duty around the clock, so the demo's cases land in someone's queue at any hour. */
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const DEMO_ROUTING = {
  specialists: [
    { id: 'cardiologia', name: 'Dra. Carmen Quispe (demo)', specialties: ['cardiology'], hours: ALWAYS },
    { id: 'medicina', name: 'Dr. Luis Vargas (demo)', specialties: ['internalMedicine', 'dermatology', 'paediatrics', 'obstetrics'], hours: ALWAYS },
  ],
};

async function demoSpecialists(hub: ReturnType<typeof buildHub>): Promise<void> {
  const have = new Set(hub.auth.accounts.list().map((a) => a.username));
  for (const s of DEMO_ROUTING.specialists) {
    if (have.has(s.id)) continue;
    await hub.auth.accounts.create({ username: s.id, displayName: s.name, role: 'specialist', kind: 'password', secret: 'chasqui-demo', data: { specialties: s.specialties as never } });
  }
  if (!have.has('operador')) await hub.auth.accounts.create({ username: 'operador', displayName: 'Óscar Ramírez (demo)', role: 'operator', kind: 'password', secret: 'chasqui-demo' });
}

/** A nurse account to sign in with; the demo's data folder survives restarts, so it is created once. */
async function demoNurse(post: ReturnType<typeof buildPost>): Promise<{ username: string; password: string }> {
  const demo = { username: 'enfermera', password: 'chasqui-demo' };
  if (!post.auth.accounts.list().some((a) => a.username === demo.username)) {
    await post.auth.accounts.create({ username: demo.username, displayName: 'Rosa Huamán (demo)', kind: 'password', secret: demo.password, role: 'admin' });
  }
  return demo;
}

/** ECG records go as the post's app sends them: in the lossless form, which the hub's viewer draws. */
async function submitSamples(post: ReturnType<typeof buildPost>): Promise<number> {
  const data = [resolve('../shared/data'), resolve(import.meta.dirname, '../../../shared/data')].find((d) => existsSync(d));
  let n = 0;
  for (const [i, s] of SAMPLES.entries()) {
    const paths = data ? s.files.map((f) => join(data, f)) : [];
    if (!paths.length || !paths.every((p) => existsSync(p))) continue;
    const attachments = await Promise.all(paths.filter((p) => !p.endsWith('.dat')).map(async (p) => {
      const name = basename(p);
      if (!p.endsWith('.hea')) return { name, mediaType: mediaTypeOf(p), bytes: readFileSync(p) };
      return { name: name.replace(/\.hea$/, '.cqe'), mediaType: ECG_MEDIA_TYPE, bytes: Buffer.from(encodeEcg(await readEcgFile(p))) };
    }));
    // The sample photo is a camera original with GPS and EXIF: it is prepared as the nurse app's photos are.
    post.cases.submit({ caseId: `demo-${i + 1}`, priority: s.priority, body: { reason: s.reason, patient: DEMO_PATIENTS[i] }, attachments: await prepareAttachments(attachments) });
    n++;
  }
  return n;
}

const DEMO_PATIENTS = [
  { names: 'Juan', surnames: 'Mamani Condori', document: { kind: 'DNI', number: '41234567' }, ageYears: 58, sex: 'M', community: 'Masisea' },
  { names: 'Lucía', surnames: 'Ríos Panduro', document: { kind: 'DNI', number: '72345678' }, ageYears: 23, sex: 'F', community: 'San Francisco' },
  { names: 'María Elena', surnames: 'Huamán Ríos', document: { kind: 'DNI', number: '45123456' }, ageYears: 65, sex: 'F', community: 'Yarinacocha' },
];
