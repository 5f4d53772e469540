/**
 * Every nurse form that creates something is idempotent and answers with a
 * redirect: the same key twice makes one row and redirects (303) to it both
 * times; a different key makes another.
 */
import t from 'tap';
import { HUB_PEER } from '../../../node/cases/case-service.js';
import { TransferKind } from '../../../protocol/priority.js';
import { form, nurseApp, PATIENT, register, type NurseApp } from './nurse-app.js';

const KEY_A = '7f0c6c1e-2b4a-4e0e-9a53-0d7f5e2c1a01';
const KEY_B = '7f0c6c1e-2b4a-4e0e-9a53-0d7f5e2c1a02';

/** The key a page rendered into its form. */
function keyIn(body: string, action: string): string {
  const re = new RegExp(`<form method="post" action="${action.replace(/[/?]/g, '\\$&')}"[^>]*>\\s*<input type="hidden" name="clave" value="([0-9a-f-]{36})">`);
  const m = re.exec(body);
  if (!m) throw new Error(`no key in the form for ${action}`);
  return m[1]!;
}

t.test('new patient: the same key twice is one patient; a form with errors keeps its key', async (t) => {
  const { app, audit, patients } = await nurseApp(t);
  const page = await app.inject({ method: 'GET', url: '/pacientes/nuevo' });
  const key = keyIn(page.body, '/pacientes');
  const refused = await app.inject(form('POST', '/pacientes', { ...PATIENT, docNumber: '123', clave: key }));
  t.equal(refused.statusCode, 400);
  t.equal(keyIn(refused.body, '/pacientes'), key, 'the corrected form is the same submission');
  const first = await app.inject(form('POST', '/pacientes', { ...PATIENT, clave: key }));
  const again = await app.inject(form('POST', '/pacientes', { ...PATIENT, clave: key }));
  t.equal(first.statusCode, 303);
  t.equal(again.statusCode, 303);
  t.equal(again.headers.location, first.headers.location, 'the reload lands on the patient registered first');
  t.equal(patients.recent(10).length, 1);
  t.equal(audit.filter((e) => e.action === 'patient.create').length, 1, 'one creation in the access log');
  const other = await app.inject(form('POST', '/pacientes', { ...PATIENT, docNumber: '40999999', clave: KEY_B }));
  t.equal(other.statusCode, 303);
  t.not(other.headers.location, first.headers.location);
  t.equal(patients.recent(10).length, 2, 'a different key is a different patient');
});

t.test('new case: a double tap makes one draft; another tap later makes another', async (t) => {
  const { app, drafts } = await nurseApp(t);
  const patientId = await register(app);
  const page = await app.inject({ method: 'GET', url: `/pacientes/${patientId}` });
  const key = keyIn(page.body, `/pacientes/${patientId}/casos`);
  const [a, b] = await Promise.all([
    app.inject(form('POST', `/pacientes/${patientId}/casos`, { clave: key })),
    app.inject(form('POST', `/pacientes/${patientId}/casos`, { clave: key })),
  ]);
  t.equal(a.statusCode, 303);
  t.equal(b.statusCode, 303);
  t.match(String(a.headers.location), /^\/casos\/[0-9a-f-]{36}\?ok=created$/);
  t.equal(b.headers.location, a.headers.location);
  t.equal(drafts.forPatient(patientId).length, 1);
  const c = await app.inject(form('POST', `/pacientes/${patientId}/casos`, { clave: KEY_A }));
  t.not(c.headers.location, a.headers.location);
  t.equal(drafts.forPatient(patientId).length, 2);
});

async function sentCase(n: NurseApp): Promise<string> {
  const patientId = await register(n.app);
  const res = await n.app.inject(form('POST', `/pacientes/${patientId}/casos`, { clave: KEY_A }));
  const caseId = /\/casos\/([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
  const sent = await n.app.inject(form('POST', `/casos/${caseId}/enviar`, { reason: 'Tos y fiebre', priority: 'routine' }));
  if (sent.statusCode !== 303) throw new Error(`send failed: ${sent.body.slice(0, 300)}`);
  return caseId;
}

t.test('case send: sent twice is one case on the wire, 303 both times', async (t) => {
  const n = await nurseApp(t);
  const caseId = await sentCase(n);
  const again = await n.app.inject(form('POST', `/casos/${caseId}/enviar`, { reason: 'Tos y fiebre', priority: 'routine' }));
  t.equal(again.statusCode, 303);
  t.equal(again.headers.location, `/casos/${caseId}?ok=sent`);
  t.equal(n.post.relay.outbox.recent(HUB_PEER, 10).filter((r) => r.kind === TransferKind.case).length, 1);
});

t.test('reply to the specialist: a reload or a double tap is one message out; Post/Redirect/Get', async (t) => {
  const n = await nurseApp(t);
  const caseId = await sentCase(n);
  const question = { type: 'question', caseId, author: { name: 'Dra. Carmen Quispe', specialty: 'cardiology' }, sentAt: '2026-11-23T11:00:00.000Z', question: '¿Desde cuándo tiene fiebre?' };
  n.post.threads.receive('q-1', question, question.sentAt);
  const notices = () => n.post.relay.outbox.recent(HUB_PEER, 50).filter((r) => r.kind === TransferKind.notice);
  const page = await n.app.inject({ method: 'GET', url: '/mensajes/q-1' });
  const receipts = notices().length; // reading sends a receipt, once
  const key = keyIn(page.body, '/mensajes/q-1/responder');
  const post = () => n.app.inject(form('POST', '/mensajes/q-1/responder', { text: 'Desde el lunes, 38,5 °C.', clave: key }));
  const first = await post();
  t.equal(first.statusCode, 303);
  t.match(String(first.headers.location), /^\/mensajes\/q-1\?ok=replied#m-[0-9a-f-]{36}$/);
  for (let i = 0; i < 4; i++) {
    const r = await post();
    t.equal(r.statusCode, 303);
    t.equal(r.headers.location, first.headers.location, 'a repeat lands on the reply sent first');
  }
  const replies = n.post.threads.byCase(caseId).filter((m) => m.direction === 'up');
  t.equal(replies.length, 1, 'one reply in the thread');
  t.equal(notices().length, receipts + 1, 'one reply in the outbox');
  t.equal(String(first.headers.location).split('#m-')[1], replies[0]!.id, 'the redirect names the message that travels');
  const shown = await n.app.inject({ method: 'GET', url: String(first.headers.location).split('#')[0]! });
  t.match(shown.body, /role="status">Respuesta guardada/);
  t.not(keyIn(shown.body, '/mensajes/q-1/responder'), key, 'the page after sending has a fresh form');

  const empty = await n.app.inject(form('POST', '/mensajes/q-1/responder', { text: '  ', clave: KEY_B }));
  t.equal(empty.statusCode, 400);
  t.equal(keyIn(empty.body, '/mensajes/q-1/responder'), KEY_B, 'a refused reply keeps its key');
  const other = await n.app.inject(form('POST', '/mensajes/q-1/responder', { text: 'Y tos seca.', clave: KEY_B }));
  t.equal(other.statusCode, 303);
  t.equal(n.post.threads.byCase(caseId).filter((m) => m.direction === 'up').length, 2, 'a different key is a second reply');
});
