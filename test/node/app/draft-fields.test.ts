/**
 * Every action on a draft's page keeps what was typed: an upload (photo or
 * ECG) carries the fields and saves them first, as do a removal, attaching a
 * recording and leaving to record one; the autosave endpoint saves as the
 * nurse types; a double-tapped upload is one upload.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sharedFile } from '../../support/paths.js';
import { ECG_DIR, form, nurseApp, register, type NurseApp } from './nurse-app.js';

const TYPED = { reason: 'Dolor de pecho al caminar', history: 'Fuma desde joven', priority: 'urgent', specialty: 'cardiology', systolic: '150', diastolic: '95', pulse: '104', spo2: '93', temperature: '37,9', respRate: '22', weight: '71' };

async function newDraft(n: NurseApp): Promise<string> {
  const patientId = await register(n.app);
  const res = await n.app.inject({ method: 'POST', url: `/pacientes/${patientId}/casos` });
  return /\/casos\/([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
}

/** The draft form as Chromium sends it for an upload button: fields first, then the files. */
async function draftMultipart(url: string, fields: Record<string, string>, files: Array<{ field: string; name: string; bytes: Buffer }>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append(f.field, new Blob([f.bytes]), f.name);
  const res = new Response(fd);
  return { method: 'POST' as const, url, payload: Buffer.from(await res.arrayBuffer()), headers: { 'content-type': res.headers.get('content-type')! } };
}

function typedKept(t: Test, n: NurseApp, caseId: string): void {
  const d = n.drafts.get(caseId)!;
  t.match(d, { reason: TYPED.reason, history: TYPED.history, priority: 'urgent', specialty: 'cardiology' });
  t.match(d.vitals, { systolic: '150', diastolic: '95', pulse: '104', spo2: '93', temperature: '37,9', respRate: '22', weight: '71' });
}

t.test('a photo upload saves the typed fields first, then keeps the photo', async (t) => {
  const n = await nurseApp(t);
  const caseId = await newDraft(n);
  const photo = { field: 'photos', name: 'canon_hdr_NO.jpg', bytes: sharedFile('photos/canon_hdr_NO.jpg') };
  const res = await n.app.inject(await draftMultipart(`/casos/${caseId}/fotos`, { clave: '0a4c0e4e-0000-4000-8000-000000000001', ...TYPED }, [photo, { field: 'ecg', name: '', bytes: Buffer.alloc(0) }]));
  t.equal(res.statusCode, 303, res.body.slice(0, 300));
  t.equal(res.headers.location, `/casos/${caseId}?ok=photos`);
  typedKept(t, n, caseId);
  t.equal(n.drafts.get(caseId)!.photoIds.length, 1);
  const page = await n.app.inject({ method: 'GET', url: `/casos/${caseId}` });
  t.match(page.body, /<textarea id="f-reason" name="reason"[^>]*>Dolor de pecho al caminar<\/textarea>/, 'the page shows what was typed');
  t.match(page.body, /<option value="urgent" selected>/);

  // The same submit again (a double tap): the fields are saved, the photo is not added twice.
  const again = await n.app.inject(await draftMultipart(`/casos/${caseId}/fotos`, { clave: '0a4c0e4e-0000-4000-8000-000000000001', ...TYPED }, [photo]));
  t.equal(again.statusCode, 303);
  t.equal(n.drafts.get(caseId)!.photoIds.length, 1, 'one photo after a double tap');
  const later = await n.app.inject(await draftMultipart(`/casos/${caseId}/fotos`, { clave: '0a4c0e4e-0000-4000-8000-000000000002', ...TYPED }, [photo]));
  t.equal(later.statusCode, 303);
  t.equal(n.drafts.get(caseId)!.photoIds.length, 2, 'a new page, a new upload');
});

t.test('an ECG import carries the fields too; photo and ECG chosen together are both kept', async (t) => {
  const n = await nurseApp(t);
  const caseId = await newDraft(n);
  const hea = { field: 'ecg', name: '100s.hea', bytes: readFileSync(join(ECG_DIR, '100s.hea')) };
  const dat = { field: 'ecg', name: '100s.dat', bytes: readFileSync(join(ECG_DIR, '100s.dat')) };
  const photo = { field: 'photos', name: 'Sumo_Museum.jpg', bytes: sharedFile('photos/Sumo_Museum.jpg') };
  const res = await n.app.inject(await draftMultipart(`/casos/${caseId}/ecg`, TYPED, [photo, hea, dat]));
  t.equal(res.statusCode, 303, res.body.slice(0, 300));
  t.equal(res.headers.location, `/casos/${caseId}?ok=attached`);
  typedKept(t, n, caseId);
  t.equal(n.drafts.get(caseId)!.photoIds.length, 1);
  t.equal(n.drafts.get(caseId)!.ecgIds.length, 1);
});

t.test('removing, attaching a recording and leaving to record save the typed fields', async (t) => {
  const n = await nurseApp(t);
  const caseId = await newDraft(n);
  await n.app.inject(await draftMultipart(`/casos/${caseId}/ecg`, { reason: 'x' }, [
    { field: 'ecg', name: '100s.hea', bytes: readFileSync(join(ECG_DIR, '100s.hea')) }, { field: 'ecg', name: '100s.dat', bytes: readFileSync(join(ECG_DIR, '100s.dat')) }]));
  const rec = n.drafts.get(caseId)!.ecgIds[0]!;
  const removed = await n.app.inject(form('POST', `/casos/${caseId}/ecg/${rec}/quitar`, TYPED));
  t.equal(removed.headers.location, `/casos/${caseId}?ok=ecgRemoved`);
  typedKept(t, n, caseId);
  t.same(n.drafts.get(caseId)!.ecgIds, []);

  await n.app.inject(form('POST', `/casos/${caseId}`, { reason: 'otro' }));
  const attached = await n.app.inject(form('POST', `/casos/${caseId}/ecg`, { ...TYPED, recordingId: rec }));
  t.equal(attached.headers.location, `/casos/${caseId}?ok=ecg`);
  typedKept(t, n, caseId);

  await n.app.inject(form('POST', `/casos/${caseId}`, { reason: 'otro' }));
  const record = await n.app.inject(form('POST', `/casos/${caseId}/grabar-ecg`, TYPED));
  t.equal(record.statusCode, 303);
  t.equal(record.headers.location, `/casos/${caseId}/ecg`, 'on to the capture page');
  typedKept(t, n, caseId);

  const bare = await n.app.inject({ method: 'POST', url: `/casos/${caseId}/grabar-ecg` });
  t.equal(bare.statusCode, 303);
  typedKept(t, n, caseId); // a POST without the form never blanks the draft
});

t.test('autosave: the typed form is saved and the new version returned; a sent case is not changed', async (t) => {
  const n = await nurseApp(t);
  const caseId = await newDraft(n);
  const before = n.drafts.get(caseId)!.updatedAt;
  const res = await n.app.inject(form('POST', `/casos/${caseId}/borrador`, TYPED));
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  const answer = res.json() as { saved: boolean; version: string };
  t.equal(answer.saved, true);
  t.not(answer.version, before);
  t.equal(answer.version, n.drafts.get(caseId)!.updatedAt);
  typedKept(t, n, caseId);
  t.match(n.audit.at(-1), { action: 'case.update', target: caseId, detail: { autosave: true } });
  const page = await n.app.inject({ method: 'GET', url: `/casos/${caseId}` });
  t.match(page.body, new RegExp(`data-version="${answer.version}"`), 'the page names the version the phone\'s copy is compared with');
  t.match(page.body, /<script src="\/static\/draft-autosave.js" defer><\/script>/);
  const script = await n.app.inject({ method: 'GET', url: '/static/draft-autosave.js' });
  t.equal(script.statusCode, 200, 'the script is served by the post itself');

  // A save from a page older than the draft (its beacon racing a button's post) changes nothing.
  const stale = await n.app.inject(form('POST', `/casos/${caseId}/borrador`, { ...TYPED, reason: 'de una página vieja', base: before }));
  t.equal(stale.statusCode, 409);
  t.match(stale.json(), { saved: false, stale: true, version: answer.version });
  t.equal(n.drafts.get(caseId)!.reason, TYPED.reason, 'the newer save stands');
  const current = await n.app.inject(form('POST', `/casos/${caseId}/borrador`, { ...TYPED, base: answer.version }));
  t.equal(current.statusCode, 200, 'a save from the current page goes through');

  await n.app.inject(form('POST', `/casos/${caseId}/enviar`, TYPED));
  const late = await n.app.inject(form('POST', `/casos/${caseId}/borrador`, { ...TYPED, reason: 'cambiado' }));
  t.equal(late.statusCode, 409);
  t.equal(n.drafts.get(caseId)!.reason, TYPED.reason);
  t.equal((await n.app.inject(form('POST', '/casos/00000000-0000-4000-8000-000000000000/borrador', TYPED))).statusCode, 404);
});
