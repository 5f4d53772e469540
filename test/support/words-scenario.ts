/**
 * A post and its hub with a case in every state a person meets, made through
 * the pages themselves: a patient; a draft with a photo; a sent case the hub
 * has; one a specialist opened and answered (diagnosis, treatment, referral,
 * follow-up) and the nurse read; one with a question the nurse answered.
 * Both run on one clock that starts at a fixed instant (2026-12-02 14:30 UTC,
 * 09:30 in Lima) and moves with real time, so the link works and every time
 * on a page is within minutes of it, whatever day the suite runs.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Hub } from '../../hub/hub.js';
import type { Post } from '../../node/post.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { encodeEcg } from '../../protocol/ecg-codec.js';
import { form, multipart, register } from '../node/app/nurse-app.js';
import { join } from 'node:path';
import { SHARED_DATA, sharedFile, tempDir } from './paths.js';
import { startPair } from './stack.js';
import { waitFor } from './wait.js';

export const FIXED_INSTANT = Date.parse('2026-12-02T14:30:00Z');
export const POST_ID = 'posta-masisea';

const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = { specialists: [{ id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS }] };

/** An app and a way to ask it for a page as someone, in a language. */
export type Asker = (who: string | null, lang: string, o: InjectOptions | string) => Promise<LightMyRequestResponse>;

export interface WordsScenario {
  hub: Hub;
  post: Post;
  askPost: Asker;
  askHub: Asker;
  ids: { patient: string; draft: string; sent: string; ecg: string; answered: string; asked: string; answer: string; question: string; seen: string; reply: string; photo: string };
}

async function signIn(app: FastifyInstance, username: string, secret: string): Promise<string> {
  const res = await app.inject(form('POST', '/entrar', { username, secret, volver: '/' }));
  const cookie = res.cookies.find((c) => c.name === 'chasqui_sesion');
  if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in of ${username} failed: ${res.statusCode}`);
  return `${cookie.name}=${cookie.value}`;
}

function asker(app: FastifyInstance, sessions: Record<string, string>): Asker {
  return (who, lang, o) => {
    const opts: InjectOptions = typeof o === 'string' ? { method: 'GET', url: o } : o;
    const cookie = [`lang=${lang}`, ...(who ? [sessions[who]!] : [])].join('; ');
    return app.inject({ ...opts, headers: { ...opts.headers, cookie } });
  };
}

function location(res: LightMyRequestResponse, pattern: RegExp, what: string): string {
  const m = pattern.exec(String(res.headers.location ?? ''));
  if (res.statusCode !== 303 || !m) throw new Error(`${what}: ${res.statusCode} ${String(res.headers.location)} ${res.body.slice(0, 300)}`);
  return m[1]!;
}

export async function wordsScenario(t: { teardown(fn: () => Promise<void> | void): void }, o: { timeZone?: string } = {}): Promise<WordsScenario> {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const start = Date.now();
  const clock = { now: () => FIXED_INSTANT + (Date.now() - start) };
  const region = o.timeZone ? { region: { timeZone: o.timeZone } } : {};
  const { hub, post } = await startPair(t, { dir, postId: POST_ID, hub: { clock, config: { routing: ROUTING, ...region } }, post: { clock, config: region } });

  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  await post.auth.accounts.create({ username: 'jefa.posta', displayName: 'Elena Ríos', kind: 'password', secret: 'registro-seguro-9', role: 'admin' });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  await hub.auth.accounts.create({ username: 'dr.vargas', displayName: 'Dr. Luis Vargas', role: 'specialist', kind: 'password', secret: 'piel-sana-2026', data: { specialties: ['dermatology'] } });
  await hub.auth.accounts.create({ username: 'operador', displayName: 'Jorge Paz', role: 'operator', kind: 'password', secret: 'enlaces-ucayali-3', data: { specialties: [] } });
  await hub.auth.accounts.create({ username: 'jefa.hub', displayName: 'Ana Torres', role: 'admin', kind: 'password', secret: 'auditoria-lima-5', data: { specialties: [] } });
  await hub.auth.accounts.create({ username: 'proteccion.datos', displayName: 'Rut Salas', role: 'dpo', kind: 'password', secret: 'registro-ley-29733', data: { specialties: [] } });
  const askPost = asker(post.app, { rosa: await signIn(post.app, 'rosa', 'ucayali-2026'), admin: await signIn(post.app, 'jefa.posta', 'registro-seguro-9') });
  const askHub = asker(hub.app, {
    cardio: await signIn(hub.app, 'dra.quispe', 'corazon-andino-7'), derma: await signIn(hub.app, 'dr.vargas', 'piel-sana-2026'),
    operator: await signIn(hub.app, 'operador', 'enlaces-ucayali-3'), admin: await signIn(hub.app, 'jefa.hub', 'auditoria-lima-5'),
    dpo: await signIn(hub.app, 'proteccion.datos', 'registro-ley-29733'),
  });
  const nurse = (o: InjectOptions) => askPost('rosa', 'es', o);

  // The nurse's side, through her pages.
  const patient = await register({ inject: (x: InjectOptions) => nurse(x) } as unknown as FastifyInstance);
  const newCase = async (reason: string) => {
    const id = location(await nurse({ method: 'POST', url: `/pacientes/${patient}/casos` }), /^\/casos\/([0-9a-f-]{36})\?ok=created$/, 'new case');
    await nurse(form('POST', `/casos/${id}`, { reason, history: 'Hipertensa conocida, sin tratamiento desde hace un año.', priority: 'urgent', specialty: 'cardiology', systolic: '172', diastolic: '104', pulse: '96', spo2: '95', temperature: '36.8' }));
    return id;
  };
  const draft = await newCase('Cefalea y visión borrosa');
  await nurse(await multipart(`/casos/${draft}/fotos`, [{ field: 'photos', name: 'canon_hdr_NO.jpg', bytes: sharedFile('photos/canon_hdr_NO.jpg'), type: 'image/jpeg' }]));
  const photo = post.drafts.get(draft)!.photoIds[0]!;
  const send = async (id: string) => {
    await nurse({ method: 'POST', url: `/casos/${id}/enviar` });
    await waitFor(() => hub.router.store.get(POST_ID, id), { what: `case ${id} routed at the hub` });
  };
  const [sent, answered, asked] = [await newCase('Presión alta en control'), await newCase('Dolor torácico opresivo desde hace 2 horas'), await newCase('Palpitaciones nocturnas')];
  // The hub's photo viewer needs a case with a photo: the first sent one carries it.
  await nurse(await multipart(`/casos/${sent}/fotos`, [{ field: 'photos', name: 'canon_hdr_NO.jpg', bytes: sharedFile('photos/canon_hdr_NO.jpg'), type: 'image/jpeg' }]));
  for (const id of [sent, answered, asked]) await send(id);

  // A 12-lead ECG case, as the box's own command line sends one: the review page mounts the viewer.
  const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const leads = header.signals.map((x, i) => ({ name: x.description.replace(/^avr$/i, 'aVR').replace(/^avl$/i, 'aVL').replace(/^avf$/i, 'aVF').replace(/^(i+|v\d)$/i, (m) => m.toUpperCase()), unitsPerMv: 1000, baseline: 0, samples: Int32Array.from(signals[i]!) }));
  const ecg = 'c-ecg-words';
  post.cases.submit({
    caseId: ecg, priority: 'urgent',
    body: { reason: 'Dolor precordial opresivo', history: 'Varón de 58 años, fumador.', specialty: 'cardiology', patient: { names: 'Juan', surnames: 'Mamani Condori', document: { kind: 'DNI', number: '41234567' }, ageYears: 58, sex: 'M', community: 'Masisea' } },
    attachments: [{ name: 'ecg-12.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: Buffer.from(encodeEcg({ samplingFrequency: header.samplingFrequency, leads, source: 'LUDB 1' })) }],
  });
  await waitFor(() => hub.router.store.get(POST_ID, ecg), { what: 'the ECG case routed at the hub' });

  // The specialist opens two cases (the post hears "seen"), answers one and asks about the other.
  for (const id of [answered, asked]) await askHub('cardio', 'es', `/casos/${POST_ID}/${id}`);
  const author = { name: 'Dra. Carmen Quispe', specialty: 'cardiology' };
  const answer = hub.sendCounterReference(POST_ID, answered, {
    type: 'answer', author, assessment: 'Probable síndrome coronario agudo con presión muy alta.',
    // A three-character category: a valid code both by the protocol's pattern and in the PAHO classification.
    diagnoses: [{ code: 'I21', text: 'Infarto agudo del miocardio' }], treatment: 'Ácido acetilsalicílico 300 mg masticado ahora.',
    recommendations: 'Reposo; no caminar; vía periférica si es posible.', referral: { needed: true, where: 'Hospital Amazónico de Yarinacocha', urgency: 'urgent' }, followUp: '2026-12-09',
  }).id;
  const question = hub.sendCounterReference(POST_ID, asked, { type: 'question', author, question: '¿Las palpitaciones se acompañan de mareo o desmayo?' }).id;
  await waitFor(() => post.threads.get(answer) && post.threads.get(question) && post.threads.byCase(asked).find((m) => m.type === 'seen'), { what: 'answer, question and seen at the post' });
  const seen = post.threads.byCase(asked).find((m) => m.type === 'seen')!.id;
  await askPost('rosa', 'es', `/mensajes/${answer}`);
  await nurse(form('POST', `/mensajes/${question}/responder`, { text: 'Sí, con mareo; no se ha desmayado.' }));
  const reply = post.threads.byCase(asked).find((m) => m.type === 'reply')!.id;
  await waitFor(() => hub.threads.thread(POST_ID, asked).some((m) => m.type === 'reply') && hub.threads.thread(POST_ID, answered).some((m) => m.readAt), { what: 'reply and read receipt at the hub' });
  return { hub, post, askPost, askHub, ids: { patient, draft, sent, ecg, answered, asked, answer, question, seen, reply, photo } };
}

/** Every GET route an app serves, as fastify prints its routing tree ("/casos/:id/ecg"). */
export function getRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│\s]*)[├└]── (.*?) \(([^)]*)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2]!;
    if (/\bGET\b/.test(m[3]!)) out.push(stack.join('').replace(/^\/\//, '/'));
  }
  return out;
}

/** Whether a visited URL is an instance of a route pattern. */
export function routeMatches(pattern: string, url: string): boolean {
  const path = url.split('?')[0]!;
  const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+').replace(/\*$/, '.*')}$`);
  return re.test(path);
}
