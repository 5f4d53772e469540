/**
 * The FHIR R4 export of a hub case: cases travel the real way (bundle built,
 * ingested into the hub's SQLite store), the thread is the hub's own table,
 * and every Bundle and every resource in it must pass two offline R4
 * validators (fhir-validators.ts). The negative tests prove they can fail.
 */
import t, { type Test } from 'tap';
import { buildBundle } from '../../../protocol/bundle.js';
import { TransferKind } from '../../../protocol/priority.js';
import { ingestCase } from '../../../hub/cases/case-ingest.js';
import { HubCaseStore } from '../../../hub/cases/case-store.js';
import { CaseThreads } from '../../../hub/cases/case-threads.js';
import { fhirBundle, fhirBundleJson, niUri, type CaseForFhir } from '../../../hub/fhir/case-bundle.js';
import { testDb } from '../../support/db.js';
import { fhirJsValidate, schemaValidate, validateAll } from './fhir-validators.js';

// Loose on purpose: the tests read the JSON as any FHIR client would.
type R = Record<string, any>;
const POST = 'posta-iquitos-3';
const BASE = 'https://hub.example.org/';
const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300 + n, n)]);

function body(over: Record<string, unknown> = {}) {
  return {
    patient: {
      id: 'pat-1', names: 'Rosa Elena', surnames: 'Huamán Quispe', document: { kind: 'DNI', number: '40123456' },
      birthDate: '1961-04-12', ageYears: 65, ageEstimated: false, sex: 'F', community: 'Santa Clotilde',
    },
    reason: 'Dolor torácico opresivo desde hace 2 horas', history: 'Hipertensa, no toma su medicación', specialty: 'cardiology',
    vitals: {
      systolic: { value: 172, unit: 'mmHg', flag: 'high' }, diastolic: { value: 98, unit: 'mmHg', flag: 'high' },
      pulse: { value: 112, unit: '/min', flag: 'high' }, spo2: { value: 91, unit: '%', flag: 'low' },
      temperature: { value: 36.8, unit: '°C' }, respRate: { value: 24, unit: '/min', flag: 'high' }, weight: { value: 58.5, unit: 'kg' },
    },
    nurse: { username: 'lflores', name: 'Lucía Flores' },
    startedAt: '2026-11-23T13:40:00.000Z', sentAt: '2026-11-23T14:02:00.000Z',
    ...over,
  };
}

/** A case as the hub holds it after a real ingest, with its thread. */
function hubCase(t: Test, caseId: string, b: unknown, files: Array<{ name: string; mediaType: string; bytes: Buffer }>, priority: 'urgent' | 'routine') {
  const { db } = testDb(t);
  const store = new HubCaseStore(db);
  const threads = new CaseThreads(db);
  const bundle = buildBundle({ kind: 'case', id: caseId, origin: POST, createdAt: '2026-11-23T14:02:00.000Z', priority, body: b, attachments: files }, { maxBytes: 1 << 22 });
  ingestCase(store, { maxRawBytes: 1 << 22, now: () => Date.parse('2026-11-23T14:09:30.000Z') })(POST, TransferKind.case, bundle.bytes, bundle.id);
  return { threads, input: (): CaseForFhir => ({ ...store.find(POST, caseId)!, thread: threads.thread(POST, caseId), baseUrl: BASE }) };
}

const author = { name: 'Dr. Martín Salas', specialty: 'cardiology' };
function fullCase(t: Test) {
  const files = [
    { name: 'torax.jpg', mediaType: 'image/jpeg', bytes: jpeg(1) },
    { name: 'pies.jpg', mediaType: 'image/jpeg', bytes: jpeg(2) },
    { name: 'ecg-r1.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: Buffer.from('CQE1 twelve leads…') },
  ];
  const h = hubCase(t, 'case-0001', body(), files, 'urgent');
  const q = { id: '8b0f8c1e-5f0a-4d55-9a3e-1c0f7f6c2a01', postId: POST, caseId: 'case-0001', direction: 'down' as const, type: 'question' };
  h.threads.add({ ...q, body: { type: 'question', caseId: 'case-0001', author, sentAt: '2026-11-23T14:20:00.000Z', question: '¿El dolor irradia al brazo izquierdo?' }, at: '2026-11-23T14:20:00.000Z', bundleId: 'b-q' });
  h.threads.markDelivered('b-q', '2026-11-23T14:21:10.000Z');
  h.threads.add({
    id: 'reply-1', postId: POST, caseId: 'case-0001', direction: 'up', type: 'reply', at: '2026-11-23T14:30:05.000Z',
    body: { type: 'reply', caseId: 'case-0001', inReplyTo: q.id, text: 'Sí, y suda frío.', author: { name: 'Lucía Flores', username: 'lflores' }, sentAt: '2026-11-23T14:29:40.000Z' },
  });
  h.threads.add({
    id: '3c9d7a52-0b1e-4e0f-8d6a-5b2c9e1f7a10', postId: POST, caseId: 'case-0001', direction: 'down', type: 'answer', at: '2026-11-23T14:41:00.000Z', bundleId: 'b-a',
    body: {
      type: 'answer', caseId: 'case-0001', author, sentAt: '2026-11-23T14:41:00.000Z', assessment: 'Síndrome coronario agudo probable.',
      // As the hub sends them now (HIS code, the classification's description), and as an older message has them (typed words).
      diagnoses: [{ code: 'I219', description: 'Infarto agudo del miocardio, sin otra especificación' }, { code: 'I10', text: 'Hipertensión esencial' }],
      treatment: 'AAS 300 mg masticado', referral: { needed: true, where: 'Hospital Regional de Loreto', urgency: 'urgent' }, followUp: '2026-11-30',
    },
  });
  return { ...h, files };
}

const entries = (b: R, type: string): R[] => b.entry.filter((e: R) => e.resource.resourceType === type).map((e: R) => e.resource);
const resolve = (b: R, ref: R): R => b.entry.find((e: R) => e.fullUrl === ref.reference)?.resource;

/** Every reference anywhere in the Bundle points at one of its entries. */
function danglingRefs(b: R): string[] {
  const urls = new Set(b.entry.map((e: R) => e.fullUrl));
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) (k === 'reference' && typeof x === 'string' ? !urls.has(x) && out.push(x) : walk(x));
    }
  };
  b.entry.forEach((e: R) => walk(e.resource));
  return out;
}

t.test('a full case exports as a valid R4 Bundle', async (t) => {
  const { input, files } = fullCase(t);
  const b = fhirBundle(input()) as R;
  t.same(validateAll(b), [], 'both validators accept the Bundle and each resource');
  t.equal(b.type, 'collection');
  t.same(danglingRefs(b), [], 'every reference resolves inside the Bundle');
  t.ok(b.entry.every((e: R) => /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.fullUrl)), 'urn:uuid fullUrls');
  t.equal(new Set(b.entry.map((e: R) => e.fullUrl)).size, b.entry.length, 'fullUrls are unique');

  const [p] = entries(b, 'Patient');
  t.match(p, { gender: 'female', birthDate: '1961-04-12', name: [{ family: 'Huamán Quispe', given: ['Rosa', 'Elena'] }], address: [{ city: 'Santa Clotilde', country: 'PE' }] });
  t.match(p!.identifier.find((i: R) => i.value === '40123456'), { system: /pe-reniec-dni$/, type: { coding: [{ code: 'NI' }] } });

  const [enc] = entries(b, 'Encounter');
  t.match(enc, { status: 'finished', class: { code: 'VR' }, period: { start: '2026-11-23T13:40:00.000Z', end: '2026-11-23T14:41:00.000Z' } });
  t.match(resolve(b, enc!.serviceProvider), { resourceType: 'Organization', name: POST });

  const obs = entries(b, 'Observation');
  const byCode = (c: string) => obs.find((o) => o.code.coding.some((x: R) => x.code === c));
  t.equal(obs.length, 6, 'BP panel + 5 single vitals');
  t.match(byCode('85354-9')!.component, [
    { code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 172, code: 'mm[Hg]' }, interpretation: [{ coding: [{ code: 'H' }] }] },
    { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 98, code: 'mm[Hg]' } },
  ]);
  t.match(byCode('8867-4'), { valueQuantity: { value: 112, code: '/min', system: 'http://unitsofmeasure.org' }, interpretation: [{ coding: [{ code: 'H' }] }] });
  t.match(byCode('59408-5'), { valueQuantity: { value: 91, code: '%' }, interpretation: [{ coding: [{ code: 'L' }] }] });
  t.ok(byCode('2708-6') === byCode('59408-5'), 'SpO2 carries both LOINC codes');
  t.match(byCode('8310-5'), { valueQuantity: { value: 36.8, code: 'Cel' } });
  t.notOk(byCode('8310-5')!.interpretation, 'no flag, no interpretation');
  t.match(byCode('9279-1'), { valueQuantity: { value: 24 } });
  t.match(byCode('29463-7'), { valueQuantity: { value: 58.5, code: 'kg' } });
  t.ok(obs.every((o) => o.category[0].coding[0].code === 'vital-signs'));

  const media = entries(b, 'Media');
  t.equal(media.length, 2, 'one Media per photo');
  const sha = input().attachments.find((a) => a.name === 'torax.jpg')!.sha256;
  t.match(media.find((m) => m.content.title === 'torax.jpg'), {
    content: { url: `https://hub.example.org/api/posts/${POST}/cases/case-0001/attachments/torax.jpg`, contentType: 'image/jpeg', size: files[0]!.bytes.length },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: niUri(sha) }],
  });
  t.equal(Buffer.from(niUri(sha).split(';')[1]!, 'base64url').toString('hex'), sha, 'the ni URI carries the SHA-256');
  const [ecg] = entries(b, 'DocumentReference');
  t.match(ecg, { type: { coding: [{ system: 'http://loinc.org', code: '11524-6' }] }, content: [{ attachment: { contentType: 'application/vnd.chasqui.ecg' } }] });

  const [sr] = entries(b, 'ServiceRequest');
  t.match(sr, { status: 'completed', priority: 'urgent', performerType: { coding: [{ system: 'http://snomed.info/sct', code: '394579002' }] } });
  t.equal(sr!.supportingInfo.length, 9, 'vitals, photos and the ECG support the request');

  const [ci] = entries(b, 'ClinicalImpression');
  t.match(ci, { status: 'completed', summary: 'Síndrome coronario agudo probable.' });
  t.match(resolve(b, ci!.assessor), { resourceType: 'Practitioner', name: [{ text: 'Dr. Martín Salas' }] });
  const conds = ci!.finding.map((f: R) => resolve(b, f.itemReference));
  t.same(conds.map((c: R) => c.code.coding[0]), [
    { system: 'http://hl7.org/fhir/sid/icd-10', code: 'I21.9', display: 'Infarto agudo del miocardio, sin otra especificación' },
    { system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' },
  ], 'WHO codes; the display is the classification\'s description, never typed words');
  t.same(conds.map((c: R) => c.code.text), ['Infarto agudo del miocardio, sin otra especificación', 'Hipertensión esencial'], 'an older message\'s words stay readable');
  const [question, reply] = entries(b, 'Communication');
  t.match(question, { status: 'completed', received: '2026-11-23T14:21:10.000Z', payload: [{ contentString: /irradia/ }] });
  t.match(reply, { sent: '2026-11-23T14:29:40.000Z', payload: [{ contentString: 'Sí, y suda frío.' }] });
  t.equal(resolve(b, reply!.inResponseTo[0]), question, 'the reply answers the question');
  t.equal(resolve(b, reply!.sender).name[0].text, 'Lucía Flores');
  t.equal(entries(b, 'Practitioner').length, 2, 'the nurse and the specialist, once each');
  t.equal(fhirBundleJson(input()), JSON.stringify(b, null, 2), 'the same case exports the same bytes');
});

t.test('a minimal case: nothing optional, still valid', async (t) => {
  const minimal = body({ history: '', specialty: null, vitals: {}, reason: 'Control' });
  const { input } = hubCase(t, 'case-min', minimal, [], 'routine');
  const b = fhirBundle(input()) as R;
  t.same(validateAll(b), []);
  t.same(danglingRefs(b), []);
  t.same(b.entry.map((e: R) => e.resource.resourceType).sort(), ['Encounter', 'Organization', 'Patient', 'Practitioner', 'ServiceRequest']);
  const [sr] = entries(b, 'ServiceRequest');
  t.match(sr, { status: 'active', priority: 'routine' });
  t.notOk(sr!.performerType || sr!.supportingInfo || sr!.note);
  t.match(entries(b, 'Encounter')[0], { status: 'in-progress', period: { start: '2026-11-23T13:40:00.000Z' } });
});

t.test('an estimated age is an extension, never an invented birth date', async (t) => {
  const patient = { ...body().patient, birthDate: null, ageYears: 40, ageEstimated: true, sex: 'other', document: { kind: 'local', number: 'SC-0042' } };
  const { input } = hubCase(t, 'case-est', body({ patient, vitals: {} }), [], 'routine');
  const b = fhirBundle(input()) as R;
  t.same(validateAll(b), []);
  const [p] = entries(b, 'Patient');
  t.notOk(p!.birthDate);
  t.match(p!.extension, [{ url: /estimated-age$/, valueAge: { value: 40, system: 'http://unitsofmeasure.org', code: 'a' } }]);
  t.match(p, { gender: 'other', identifier: [{}, { value: 'SC-0042', system: new RegExp(`post/${POST}/document$`) }] });
});

t.test('a reply to an answer is about the ClinicalImpression; an undelivered question is still in progress', async (t) => {
  const { input, threads } = hubCase(t, 'case-r', body({ specialty: 'dermatology', vitals: {} }), [], 'routine');
  const derm = { name: 'Dra. Inés Paredes', specialty: 'dermatology' };
  const answerId = '0d7c1f3a-9a7e-4b51-8f0e-2b6a4c3d5e70';
  threads.add({ id: answerId, postId: POST, caseId: 'case-r', direction: 'down', type: 'answer', at: '2026-11-23T15:00:00.000Z', body: { type: 'answer', caseId: 'case-r', author: derm, sentAt: '2026-11-23T15:00:00.000Z', assessment: 'Dermatitis de contacto.' } });
  threads.add({ id: 'reply-2', postId: POST, caseId: 'case-r', direction: 'up', type: 'reply', at: '2026-11-23T16:00:00.000Z', body: { type: 'reply', caseId: 'case-r', inReplyTo: answerId, text: 'Entendido.', author: { name: 'Lucía Flores', username: 'lflores' }, sentAt: '2026-11-23T15:59:00.000Z' } });
  threads.add({ id: 'q-2', postId: POST, caseId: 'case-r', direction: 'down', type: 'question', at: '2026-11-23T16:10:00.000Z', body: { type: 'question', caseId: 'case-r', author: derm, sentAt: '2026-11-23T16:10:00.000Z', question: '¿Mejoró?' } });
  const b = fhirBundle(input()) as R;
  t.same(validateAll(b), []);
  t.same(danglingRefs(b), []);
  const [ci] = entries(b, 'ClinicalImpression');
  t.notOk(ci!.finding, 'no diagnoses, no findings');
  const [reply, question] = entries(b, 'Communication');
  t.equal(resolve(b, reply!.about[0]), ci, 'the reply is about the answer');
  t.notOk(reply!.inResponseTo, 'R4 inResponseTo only points at a Communication');
  t.equal(resolve(b, reply!.recipient[0]).name[0].text, 'Dra. Inés Paredes');
  t.match(question, { status: 'in-progress', payload: [{ contentString: '¿Mejoró?' }] });
  t.notOk(question!.received);
  t.match(entries(b, 'ServiceRequest')[0], { performerType: { coding: [{ code: '394582007' }] } });
});

t.test('the validators reject what R4 forbids', async (t) => {
  const { input } = fullCase(t);
  const good = () => fhirBundle(input()) as R;
  const wrongGender = good();
  entries(wrongGender, 'Patient')[0]!.gender = 'femenino';
  const stringNumber = good();
  entries(stringNumber, 'Observation').find((o) => o.valueQuantity)!.valueQuantity.value = '112';
  const noStatus = good();
  delete entries(noStatus, 'ServiceRequest')[0]!.status;
  const noCode = good();
  delete entries(noCode, 'Observation')[0]!.code;
  const unknownField = good();
  entries(unknownField, 'Encounter')[0]!.virtual = true;
  // The R4 JSON schema cannot require a primitive (it may come as `_status` with only extensions),
  // so a missing status is caught by the StructureDefinition walk alone.
  const cases = [
    ['gender code', wrongGender, true], ['string for a number', stringNumber, true], ['missing Observation.code', noCode, true],
    ['property R4 does not define', unknownField, true], ['missing ServiceRequest.status', noStatus, false],
  ] as const;
  for (const [what, bad, schemaSees] of cases) {
    t.equal(fhirJsValidate(bad).valid, false, `fhir.js: ${what}`);
    t.equal(schemaValidate(bad).valid, !schemaSees, `JSON schema: ${what}${schemaSees ? '' : ' (invisible to it)'}`);
    t.not(validateAll(bad).length, 0, `validateAll reports ${what}`);
  }
  t.match(fhirJsValidate(wrongGender).errors.join('\n'), /gender/);
});
