/**
 * Authorization by purpose at a running hub (real post, real SQLite, real
 * aedes), tried as a cardiologist, a dermatologist and an operator would:
 * every page and JSON URL of a case (the case, photo page and image, each
 * attachment, ECG data, FHIR export) answers only a specialist of the case's
 * specialty; each refusal is a 403 with the typed code and exactly one
 * refused entry, each allowed read exactly one allowed entry, with where it
 * came from. /api/cases lists only the user's cases; the earlier cases of
 * the same patient show only what the user may open; the old blob URL is gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { ludbEcg, skinCase } from '../../support/sample-cases.js';
import { entriesDuring } from '../../support/audit-count.js';

const POST = 'posta-iparia';
const PHOTO = readFileSync(join(SHARED_DATA, 'photos/Sumo_Museum.jpg'));
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = {
  specialists: [
    { id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS },
    { id: 'dr.vargas', name: 'Dr. Luis Vargas', specialties: ['dermatology'], hours: ALWAYS },
  ],
};
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PATIENT = { names: 'Elena', surnames: 'Ríos Tuanama', document: { kind: 'DNI', number: '45678912' }, ageYears: 45, sex: 'F', community: 'Iparia' };

async function signIn(app: FastifyInstance, username: string, secret: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/entrar', headers: FORM, payload: new URLSearchParams({ username, secret, volver: '/' }).toString() });
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`${username} could not sign in (${res.statusCode})`);
  return { cookie: `chasqui_sesion=${c.value}` };
}

t.test('each case URL answers only its specialty; one entry per read and per refusal', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST, hub: { config: { routing: ROUTING } } });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  await hub.auth.accounts.create({ username: 'dr.vargas', displayName: 'Dr. Luis Vargas', role: 'specialist', kind: 'password', secret: 'piel-sana-2026', data: { specialties: ['dermatology'] } });
  await hub.auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'password', secret: 'enlaces-sanos-1', data: { specialties: [] } });
  // One patient, three cases: a skin lesion (dermatology), then a blood-pressure control and chest pain with an ECG (cardiology).
  post.cases.submit(skinCase('c-piel', PHOTO));
  post.cases.submit({ caseId: 'c-control', priority: 'routine', body: { reason: 'Control de presión arterial', specialty: 'cardiology', patient: PATIENT, vitals: {} }, attachments: [] });
  post.cases.submit({
    caseId: 'c-ecg', priority: 'urgent', body: { reason: 'Dolor precordial desde hace 3 horas', specialty: null, patient: PATIENT, vitals: {} },
    attachments: [{ name: 'ecg-12.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: await ludbEcg() }],
  });
  for (const id of ['c-piel', 'c-control', 'c-ecg']) await waitFor(() => hub.router.store.get(POST, id), { what: `${id} routed at the hub` });
  t.equal(hub.router.store.get(POST, 'c-piel')?.specialty, 'dermatology');
  t.equal(hub.router.store.get(POST, 'c-ecg')?.specialty, 'cardiology');
  const app = hub.app;
  const audit = hub.auth.audit;
  const as = {
    'dra.quispe': await signIn(app, 'dra.quispe', 'corazon-andino-7'),
    'dr.vargas': await signIn(app, 'dr.vargas', 'piel-sana-2026'),
    oper: await signIn(app, 'oper', 'enlaces-sanos-1'),
  };
  const photoName = encodeURIComponent(hub.cases.find(POST, 'c-piel')!.attachments[0]!.name);
  const api = (c: string) => `/api/posts/${POST}/cases/${c}`;
  type Read = { url: string; action: string; json: boolean };
  const reads: Record<'c-piel' | 'c-ecg', Read[]> = {
    'c-piel': [
      { url: `${api('c-piel')}/fhir`, action: 'case.export', json: true },
      { url: `${api('c-piel')}/attachments/${photoName}`, action: 'case.attachment', json: true },
      { url: `/casos/${POST}/c-piel/fotos/1`, action: 'case.photo', json: false },
      { url: `/casos/${POST}/c-piel/fotos/1/imagen`, action: 'case.attachment', json: false },
      { url: `/casos/${POST}/c-piel`, action: 'case.view', json: false },
    ],
    'c-ecg': [
      { url: `${api('c-ecg')}/fhir`, action: 'case.export', json: true },
      { url: `${api('c-ecg')}/attachments/ecg-12.cqe`, action: 'case.attachment', json: true },
      { url: `${api('c-ecg')}/attachments/ecg-12.cqe/ecg.json`, action: 'case.ecg', json: true },
      { url: `/casos/${POST}/c-ecg`, action: 'case.view', json: false },
    ],
  };
  const owner = { 'c-piel': 'dr.vargas', 'c-ecg': 'dra.quispe' } as const;

  await t.test('another specialty, and an operator: 403 with the typed code, one refused entry each, nothing shown', async (t) => {
    for (const [caseId, list] of Object.entries(reads) as Array<[keyof typeof reads, Read[]]>) {
      for (const who of ['dra.quispe', 'dr.vargas', 'oper'] as const) {
        if (who === owner[caseId]) continue;
        for (const r of list) {
          let res!: Awaited<ReturnType<FastifyInstance['inject']>>;
          const wrote = await entriesDuring(audit, async () => (res = await app.inject({ url: r.url, headers: as[who] })));
          t.equal(res.statusCode, 403, `${who}: ${r.url} is refused`);
          if (r.json) t.equal(res.json().error.code, 'CHASQUI_ERR_NOT_AUTHORIZED', 'with the typed code');
          else t.match(res.body, 'data-code="CHASQUI_ERR_NOT_AUTHORIZED"');
          t.equal(wrote.length, 1, `${who}: ${r.url} leaves exactly one entry`);
          t.match(wrote[0], { actor: who, action: 'access.denied', outcome: 'refused', from: '127.0.0.1', detail: { reason: who === 'oper' ? 'role' : 'specialty' } });
          t.notMatch(res.body, /Ríos Tuanama|45678912|Mancha|precordial/, 'nothing of the patient');
        }
      }
    }
  });

  await t.test('the own specialty: each read works and leaves exactly one allowed entry', async (t) => {
    for (const [caseId, list] of Object.entries(reads) as Array<[keyof typeof reads, Read[]]>) {
      const who = owner[caseId];
      for (const r of list) {
        let res!: Awaited<ReturnType<FastifyInstance['inject']>>;
        const wrote = await entriesDuring(audit, async () => (res = await app.inject({ url: r.url, headers: as[who] })));
        t.equal(res.statusCode, 200, `${who}: ${r.url}`);
        t.equal(wrote.length, 1, `${who}: ${r.url} leaves exactly one entry`);
        t.match(wrote[0], { actor: who, action: r.action, target: `${POST}/${caseId}`, outcome: 'allowed', from: '127.0.0.1' });
        t.notMatch(JSON.stringify(wrote[0]!.detail ?? {}), /Ríos|45678912|Elena/, 'ids only in the entry');
      }
    }
    const photo = await app.inject({ url: `${api('c-piel')}/attachments/${photoName}`, headers: as['dr.vargas'] });
    t.equal(photo.headers['content-type'], 'image/jpeg', 'served as the JPEG it is');
    t.equal(photo.headers['x-content-type-options'], 'nosniff');
    const ecg = await app.inject({ url: `${api('c-ecg')}/attachments/ecg-12.cqe`, headers: as['dra.quispe'] });
    t.equal(ecg.headers['content-type'], 'application/octet-stream', 'a file no browser shows goes out as a download');
    const fhir = await app.inject({ url: `${api('c-piel')}/fhir`, headers: as['dr.vargas'] });
    const media = (fhir.json() as { entry: Array<{ resource: { resourceType: string; content?: { url: string } } }> }).entry.find((e) => e.resource.resourceType === 'Media');
    t.match(media?.resource.content?.url, `/api/posts/${POST}/cases/c-piel/attachments/${photoName}`, 'the export links to the attachment under its case');
    const sha = hub.cases.find(POST, 'c-piel')!.attachments[0]!.sha256;
    t.equal((await app.inject({ url: `/api/blobs/${sha}`, headers: as['dr.vargas'] })).statusCode, 404, 'no attachment is reached by its hash alone');
  });

  await t.test('/api/cases lists only the user\'s cases, in one entry of ids', async (t) => {
    let res!: Awaited<ReturnType<FastifyInstance['inject']>>;
    const wrote = await entriesDuring(audit, async () => (res = await app.inject({ url: '/api/cases', headers: as['dra.quispe'] })));
    const ids = (res.json() as { cases: Array<{ caseId: string }> }).cases.map((c) => c.caseId).sort();
    t.same(ids, ['c-control', 'c-ecg'], 'the cardiologist sees the cardiology cases only');
    t.notMatch(res.body, /Mancha|foto-1/, 'nothing of the dermatology case');
    t.equal(wrote.length, 1);
    t.match(wrote[0], { actor: 'dra.quispe', action: 'case.list', outcome: 'allowed', from: '127.0.0.1', detail: { count: 2 } });
    t.same([...(wrote[0]!.detail!.cases as string[])].sort(), [`${POST}/c-control`, `${POST}/c-ecg`]);
    t.notMatch(JSON.stringify(wrote[0]), /Ríos|45678912/, 'ids only');
    const derm = await app.inject({ url: '/api/cases', headers: as['dr.vargas'] });
    t.same((derm.json() as { cases: Array<{ caseId: string }> }).cases.map((c) => c.caseId), ['c-piel']);
    let refused!: Awaited<ReturnType<FastifyInstance['inject']>>;
    const byOper = await entriesDuring(audit, async () => (refused = await app.inject({ url: '/api/cases', headers: as.oper })));
    t.equal(refused.statusCode, 403, 'an operator lists no case');
    t.equal(refused.json().error.code, 'CHASQUI_ERR_NOT_AUTHORIZED');
    t.match(byOper, [{ actor: 'oper', action: 'access.denied', outcome: 'refused' }]);
    t.equal(byOper.length, 1);
    let anon!: Awaited<ReturnType<FastifyInstance['inject']>>;
    const byNobody = await entriesDuring(audit, async () => (anon = await app.inject({ url: '/api/cases' })));
    t.equal(anon.statusCode, 401);
    t.match(byNobody, [{ actor: 'anonymous', action: 'access.denied', outcome: 'refused', detail: { path: '/api/cases' } }]);
    t.equal(byNobody.length, 1, 'a call without a session is recorded once');
  });

  await t.test('lists and the queue: one entry each, only the user\'s cases; earlier cases of the patient only of the user\'s specialty', async (t) => {
    for (const [url, action] of [['/cola', 'queue.view'], ['/casos', 'case.list']] as const) {
      let res!: Awaited<ReturnType<FastifyInstance['inject']>>;
      const wrote = await entriesDuring(audit, async () => (res = await app.inject({ url, headers: as['dra.quispe'] })));
      t.equal(res.statusCode, 200);
      t.notMatch(res.body, /Mancha/, `${url}: no dermatology case`);
      t.equal(wrote.length, 1, `${url}: one entry`);
      t.match(wrote[0], { action, outcome: 'allowed', from: '127.0.0.1' });
      t.notOk((wrote[0]!.detail!.cases as string[]).includes(`${POST}/c-piel`));
    }
    const page = await app.inject({ url: `/casos/${POST}/c-ecg`, headers: as['dra.quispe'] });
    t.match(page.body, /Control de presión arterial/, 'the earlier cardiology case of the same patient is listed');
    t.notMatch(page.body, /Mancha que crece/, 'the dermatology case\'s reason is not');
    t.notMatch(page.body, `/casos/${POST}/c-piel`, 'nor a link to it');
    const skin = await app.inject({ url: `/casos/${POST}/c-piel`, headers: as['dr.vargas'] });
    t.notMatch(skin.body, /precordial|Control de presión/, 'and the other way round');
  });
});
