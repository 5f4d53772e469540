/**
 * The specialist's case routes through fastify's inject on a real hub and
 * post (real SQLite, real aedes): every route that shows or changes a case
 * answers only a specialist of the case's specialty, and each refusal leaves
 * exactly one entry in the access log; the photo goes out as the JPEG it is;
 * a form key sends one counter-reference however often it is posted; the
 * "new message from the post" mark is per specialist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Hub } from '../../../hub/hub.js';
import type { Nurse } from '../../../node/auth/nurse.js';
import { TransferKind } from '../../../protocol/priority.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { skinCase } from '../../support/sample-cases.js';

/** A control a month from the day the test runs: the date is the specialist's, not the point. */
const FOLLOW_UP = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

const POST = 'posta-iparia';
const CASE = 'c-piel';
const PHOTO = readFileSync(join(SHARED_DATA, 'photos/Sumo_Museum.jpg'));
const NURSE: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Huamán', role: 'nurse' };
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = {
  specialists: [
    { id: 'dr.vargas', name: 'Dr. Luis Vargas', specialties: ['dermatology'], hours: ALWAYS },
    { id: 'dra.rios', name: 'Dra. Ana Ríos', specialties: ['dermatology'], hours: ALWAYS },
    { id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS },
  ],
};
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(app: FastifyInstance, username: string, secret: string): Promise<{ cookie: string }> {
  const res = await app.inject({ method: 'POST', url: '/entrar', headers: FORM, payload: new URLSearchParams({ username, secret, volver: '/' }).toString() });
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`${username} could not sign in (${res.statusCode})`);
  return { cookie: `chasqui_sesion=${c.value}` };
}

const counterReferencesQueued = (hub: Hub) =>
  hub.db.prepare('SELECT count(*) FROM outbox_transfers WHERE peer = ? AND kind = ?').pluck().get(POST, TransferKind.counterReference) as number;

t.test('case routes: the right specialist only, one audit entry per refusal, photos as JPEG, one send per form key', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST, hub: { config: { routing: ROUTING } } });
  const accounts: Array<{ username: string; displayName: string; role: 'specialist' | 'operator'; secret: string; data?: { specialties: Array<'dermatology' | 'cardiology'> } }> = [
    { username: 'dr.vargas', displayName: 'Dr. Luis Vargas', role: 'specialist', secret: 'piel-sana-2026', data: { specialties: ['dermatology'] } },
    { username: 'dra.rios', displayName: 'Dra. Ana Ríos', role: 'specialist', secret: 'piel-sana-2027', data: { specialties: ['dermatology'] } },
    { username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } },
    { username: 'oper', displayName: 'Óscar Operador', role: 'operator', secret: 'enlaces-sanos-1' },
  ];
  for (const a of accounts) await hub.auth.accounts.create({ ...a, kind: 'password', data: a.data ?? { specialties: [] } });
  post.cases.submit(skinCase(CASE, PHOTO));
  await waitFor(() => hub.router.store.get(POST, CASE), { what: 'case routed at the hub' });
  const app = hub.app;
  const [vargas, rios, quispe, oper] = (await Promise.all(accounts.map((a) => signIn(app, a.username, a.secret)))) as [{ cookie: string }, { cookie: string }, { cookie: string }, { cookie: string }];

  const base = `/casos/${POST}/${CASE}`;
  const routes: Array<{ method: 'GET' | 'POST'; url: string; payload?: string }> = [
    { method: 'GET', url: base },
    { method: 'GET', url: `${base}/fotos/1` },
    { method: 'GET', url: `${base}/fotos/1/imagen` },
    { method: 'POST', url: `${base}/respuesta`, payload: new URLSearchParams({ formKey: 'k'.repeat(20), type: 'answer', assessment: 'intruso' }).toString() },
    { method: 'GET', url: `/api/posts/${POST}/cases/${CASE}/fhir` },
  ];
  for (const [who, headers] of [['dra.quispe', quispe], ['oper', oper]] as const) {
    for (const r of routes) {
      const before = hub.auth.audit.list({ actor: who }).filter((e) => e.action === 'access.denied').length;
      const res = await app.inject({ method: r.method, url: r.url, headers: { ...headers, ...(r.payload ? FORM : {}) }, ...(r.payload ? { payload: r.payload } : {}) });
      t.equal(res.statusCode, 403, `${who}: ${r.method} ${r.url} is refused`);
      const after = hub.auth.audit.list({ actor: who }).filter((e) => e.action === 'access.denied').length;
      t.equal(after - before, 1, `${who}: ${r.method} ${r.url} leaves one access.denied entry`);
      t.notMatch(res.body, /Ríos Tuanama/, 'and shows nothing of the patient');
    }
  }
  t.equal(counterReferencesQueued(hub), 0, 'nothing went down to the post from a refused form');

  // The operators' notice API: a maintenance notice only; a retry with the same Idempotency-Key queues nothing more.
  const noticesQueued = () => hub.db.prepare('SELECT count(*) FROM outbox_transfers WHERE peer = ? AND kind = ?').pluck().get(POST, TransferKind.notice) as number;
  const before = noticesQueued();
  const notice = { body: { type: 'maintenance', startsAt: '2026-12-03T13:00:00.000Z', endsAt: '2026-12-03T15:00:00.000Z', reason: 'softwareUpdate' } };
  const sendNotice = (key?: string) => app.inject({ method: 'POST', url: `/api/posts/${POST}/notices`, headers: { ...oper, ...(key ? { 'idempotency-key': key } : {}) }, payload: notice });
  const first = await sendNotice('aviso-0001-000000000');
  const retries = await Promise.all([1, 2, 3].map(() => sendNotice('aviso-0001-000000000')));
  t.equal(first.statusCode, 202);
  t.same(retries.map((r) => r.statusCode), [200, 200, 200], 'a repeat is answered with the first result');
  t.same(retries.map((r) => r.json().id), [1, 2, 3].map(() => first.json().id));
  t.equal(noticesQueued() - before, 1, 'one notice queued for the post');
  t.equal(hub.auth.audit.list({ actor: 'oper', action: 'notice.send' }).length, 1, 'and one entry in the access log');
  t.equal((await sendNotice('corta')).statusCode, 400, 'a malformed key is refused');
  t.equal((await app.inject({ method: 'POST', url: `/api/posts/${POST}/notices`, headers: quispe, payload: notice })).statusCode, 403, 'a specialist may not send notices');

  const img = await app.inject({ url: `${base}/fotos/1/imagen`, headers: vargas });
  t.equal(img.statusCode, 200);
  t.equal(img.headers['content-type'], 'image/jpeg');
  t.equal(img.headers['x-content-type-options'], 'nosniff');
  t.equal(img.headers['content-disposition'], `inline; filename="${CASE}-1.jpg"`);
  t.ok(img.rawPayload.equals(hub.cases.blobs.get(hub.cases.find(POST, CASE)!.attachments[0]!.sha256)!), 'the bytes the hub stored');
  const again = await app.inject({ url: `${base}/fotos/1/imagen`, headers: { ...vargas, 'if-none-match': String(img.headers.etag) } });
  t.equal(again.statusCode, 304, 'a second look costs no bytes, and was authorized again');
  t.equal((await app.inject({ url: `${base}/fotos/2`, headers: vargas })).statusCode, 404, 'no second photo');
  const viewer = await app.inject({ url: `${base}/fotos/1`, headers: vargas });
  t.match(viewer.body, `src="${base}/fotos/1/imagen"`);
  t.match(viewer.body, /Foto 1 de 1/);
  t.ok(hub.auth.audit.list({ actor: 'dr.vargas' }).some((e) => e.action === 'case.photo' && e.target === `${POST}/${CASE}`), 'the photo view is in the access log');
  const blob = await app.inject({ url: `/api/posts/${POST}/cases/${CASE}/attachments/${encodeURIComponent(hub.cases.find(POST, CASE)!.attachments[0]!.name)}`, headers: vargas });
  t.equal(blob.headers['content-type'], 'image/jpeg', 'the FHIR export\'s link serves the photo as JPEG too');
  t.equal(blob.headers['x-content-type-options'], 'nosniff');

  // The form carries a key; the same key posted five times (reloads, a double tap) sends one answer.
  const page = await app.inject({ url: base, headers: vargas });
  const formKey = /name="formKey" value="([^"]+)"/.exec(page.body)?.[1];
  t.ok(formKey, 'the form carries a one-time key');
  const answer = new URLSearchParams({ formKey: formKey!, type: 'answer', assessment: 'Probable queratosis seborreica.', dx0code: 'L82', treatment: 'Ninguno.', followUp: FOLLOW_UP }).toString();
  const posts: LightMyRequestResponse[] = [];
  for (let i = 0; i < 5; i++) posts.push(await app.inject({ method: 'POST', url: `${base}/respuesta`, headers: { ...vargas, ...FORM }, payload: answer }));
  t.same(posts.map((p) => p.statusCode), [303, 303, 303, 303, 303], 'each answers with a redirect (PRG)');
  t.equal(posts[0]!.headers.location, `${base}?ok=1&enviado=${formKey}`);
  t.equal(counterReferencesQueued(hub), 1, 'one counter-reference in the hub\'s outbox');
  t.equal(hub.threads.thread(POST, CASE).filter((m) => m.type === 'answer').length, 1, 'one in the thread');
  t.equal(hub.auth.audit.list({ actor: 'dr.vargas' }).filter((e) => e.action === 'case.answer').length, 1, 'one answer in the access log');
  const noKey = await app.inject({ method: 'POST', url: `${base}/respuesta`, headers: { ...vargas, ...FORM }, payload: new URLSearchParams({ type: 'question', question: '¿Duele?' }).toString() });
  t.equal(noKey.statusCode, 400, 'a form without its key sends nothing');
  t.match(noKey.body, /¿Duele\?/, 'and comes back with what was typed');
  const questionKey = /name="formKey" value="([^"]+)"/.exec(noKey.body)?.[1];
  t.ok(questionKey && questionKey !== formKey, 'the re-rendered form has a key of its own');
  const question = new URLSearchParams({ formKey: questionKey!, type: 'question', question: '¿Duele o pica?' }).toString();
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: `${base}/respuesta`, headers: { ...vargas, ...FORM }, payload: question });
  t.equal(hub.threads.thread(POST, CASE).filter((m) => m.type === 'question').length, 1, 'a question posted three times is one question');
  t.equal(counterReferencesQueued(hub), 2, 'the answer and the question, once each');
  const viewed = await app.inject({ url: base, headers: vargas });
  t.match(viewed.body, /Queratosis seborreica/, 'the thread shows the diagnosis');
  t.match(viewed.body, /<code>L82X<\/code> Queratosis seborreica/);
  t.match(viewed.body, /No necesita referencia/);
  t.match(viewed.body, FOLLOW_UP);

  // The nurse writes back: new for both dermatologists, until each opens the case.
  const atPost = await waitFor(() => post.threads.inbox().find((m) => m.type === 'answer'), { what: 'answer at the post' });
  post.threads.reply(atPost.id, 'Gracias, doctor. La paciente vuelve en enero.', NURSE);
  await waitFor(() => hub.threads.thread(POST, CASE).some((m) => m.direction === 'up'), { what: 'reply at the hub' });
  const badge = 'Nuevo mensaje de la posta';
  t.match((await app.inject({ url: '/casos', headers: vargas })).body, badge, 'the case list marks the case');
  t.match((await app.inject({ url: '/cola', headers: vargas })).body, badge, 'so does the queue (an answered case, listed above it)');
  t.match((await app.inject({ url: '/casos', headers: rios })).body, badge, 'and for the colleague');
  await app.inject({ url: base, headers: vargas });
  t.notMatch((await app.inject({ url: '/casos', headers: vargas })).body, badge, 'opening the case clears it for him');
  t.notMatch((await app.inject({ url: '/cola', headers: vargas })).body, badge);
  t.match((await app.inject({ url: '/casos', headers: rios })).body, badge, 'not for the colleague who has not read it');
});
