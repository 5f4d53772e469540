/** Case pages through inject: draft, vitals, photo and ECG uploads, sending once, status in words. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bitmap } from '../../../protocol/bitmap.js';
import { HUB_PEER } from '../../../node/cases/case-service.js';
import { readEcgFile } from '../../../firmware-bridge/ecg/ecg-files.js';
import { encodeEcg } from '../../../protocol/ecg-codec.js';
import { cleanName } from '../../../node/app/pages/case-uploads.js';
import { sharedFile } from '../../support/paths.js';
import { ECG_DIR, form, multipart, nurseApp, register, type NurseApp } from './nurse-app.js';

const CASE = { reason: 'Lesión en la pierna', history: 'Desde hace 2 semanas', priority: 'urgent', specialty: 'dermatology' };

async function newDraft(n: NurseApp): Promise<{ patientId: string; caseId: string }> {
  const patientId = await register(n.app);
  const res = await n.app.inject({ method: 'POST', url: `/pacientes/${patientId}/casos` });
  if (res.statusCode !== 303) throw new Error(`no draft: ${res.statusCode}`);
  const caseId = /^\/casos\/([0-9a-f-]{36})\?ok=created$/.exec(String(res.headers.location))![1]!;
  return { patientId, caseId };
}

t.test('a whole case: vitals, photo, ECG, send once', async (t) => {
  const n = await nurseApp(t);
  const { app, audit, post, drafts } = n;
  const { patientId, caseId } = await newDraft(n);
  t.same(audit.at(-1), { actor: 'rosa', action: 'case.create', target: caseId, detail: { patient: patientId } });
  const page = await app.inject({ method: 'GET', url: `/casos/${caseId}?ok=created` });
  t.match(page.body, /<h1>Caso de Quispe Huamán, María<\/h1>/);
  t.match(page.body, new RegExp(`<button form="draft" formaction="/casos/${caseId}/grabar-ecg" class="secondary">Grabar un ECG ahora</button>`), "live capture: a button that saves what is typed on the way");
  t.same(audit.at(-1), { actor: 'rosa', action: 'case.view', target: caseId });

  // Impossible vitals: saved as typed, refused with a message per field.
  const bad = await app.inject(form('POST', `/casos/${caseId}`, { ...CASE, spo2: '101', systolic: '80', diastolic: '90', temperature: '37,5' }));
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /role="alert">Borrador guardado, pero hay signos vitales imposibles/);
  t.match(bad.body, /id="spo2-err" role="alert">No puede ser más de 100 %. Revise lo que escribió./);
  t.match(bad.body, /id="systolic-err" role="alert">La sistólica \(80\) tiene que ser mayor que la diastólica \(90\)./);
  t.match(bad.body, /name="spo2" type="text" value="101"/, 'what was typed is kept');
  t.match(bad.body, /name="temperature" type="text" value="37,5"/);
  t.equal(drafts.get(caseId)!.reason, CASE.reason, 'the rest of the form was saved');
  const ok = await app.inject(form('POST', `/casos/${caseId}`, { ...CASE, spo2: '85', systolic: '120', diastolic: '80' }));
  t.equal(ok.headers.location, `/casos/${caseId}?ok=saved`);
  t.match((await app.inject({ method: 'GET', url: `/casos/${caseId}` })).body, /value="85"[^>]*aria-describedby="spo2-hint spo2-note"[^>]*>\n<p class="field-flag low" id="spo2-note">Bajo<\/p>/, 'SpO2 85 flagged low');

  // A real photo.
  const up = await app.inject(await multipart(`/casos/${caseId}/fotos`, [{ field: 'photos', name: 'canon_hdr_NO.jpg', bytes: sharedFile('photos/canon_hdr_NO.jpg'), type: 'image/jpeg' }]));
  t.equal(up.statusCode, 303, up.body.slice(0, 500));
  const photoId = drafts.get(caseId)!.photoIds[0]!;
  t.ok(photoId);
  t.match(audit.at(-1), { action: 'photo.add', target: caseId, detail: { photo: photoId } });
  const withPhoto = await app.inject({ method: 'GET', url: `/casos/${caseId}?ok=photos` });
  t.match(withPhoto.body, new RegExp(`<img src="/fotos/${photoId}/miniatura" alt="canon_hdr_NO.jpg"`));
  const thumb = await app.inject({ method: 'GET', url: `/fotos/${photoId}/miniatura` });
  t.equal(thumb.headers['content-type'], 'image/jpeg');
  t.equal(thumb.headers['cache-control'], 'private, no-store', 'never kept by a shared browser');
  t.same(audit.at(-1), { actor: 'rosa', action: 'photo.thumbnail', target: photoId });
  t.equal(thumb.rawPayload.subarray(0, 2).toString('hex'), 'ffd8');
  t.equal((await app.inject({ method: 'GET', url: `/fotos/${photoId}` })).statusCode, 200);

  // A text file named .jpg: a clear error naming it, the photo already there stays.
  const notPhoto = await app.inject(await multipart(`/casos/${caseId}/fotos`, [{ field: 'photos', name: 'notas.jpg', bytes: Buffer.from('no es una foto\n'.repeat(20)), type: 'image/jpeg' }]));
  t.equal(notPhoto.statusCode, 400);
  t.match(notPhoto.body, /role="alert">«notas.jpg» no es una foto y no se subió. Elija el archivo de la foto \(JPEG\) en la galería./);
  t.match(notPhoto.body, new RegExp(`/fotos/${photoId}/miniatura`), 'the photo saved before is still shown');
  t.same(drafts.get(caseId)!.photoIds, [photoId]);

  // ECG: one recorded earlier at the post is offered and can be attached, then removed.
  const earlier = post.recordings.add(Buffer.from(encodeEcg(await readEcgFile(join(ECG_DIR, '100s.hea')))), { source: 'Captura anterior', quality: null, now: new Date() });
  t.match((await app.inject({ method: 'GET', url: `/casos/${caseId}` })).body, new RegExp(`<option value="${earlier.id}">Captura anterior · `));
  t.equal((await app.inject(form('POST', `/casos/${caseId}/ecg`, { recordingId: earlier.id }))).statusCode, 303);
  t.same(drafts.get(caseId)!.ecgIds, [earlier.id]);
  t.equal((await app.inject({ method: 'POST', url: `/casos/${caseId}/ecg/${earlier.id}/quitar` })).statusCode, 303);
  t.same(drafts.get(caseId)!.ecgIds, []);
  // A .dat without its header cannot be read: the page says what to send.
  const dat = readFileSync(join(ECG_DIR, '100s.dat'));
  const lone = await app.inject(await multipart(`/casos/${caseId}/ecg`, [{ field: 'ecg', name: '100s.dat', bytes: dat }]));
  t.equal(lone.statusCode, 400);
  t.match(lone.body, /No se pudo leer «100s.dat» como ECG. Si es WFDB, suba juntos el .hea y el .dat/);
  // The WFDB record, header and signal together.
  const ecg = await app.inject(await multipart(`/casos/${caseId}/ecg`, [
    { field: 'ecg', name: '100s.hea', bytes: readFileSync(join(ECG_DIR, '100s.hea')) }, { field: 'ecg', name: '100s.dat', bytes: dat },
  ]));
  t.equal(ecg.statusCode, 303, ecg.body.slice(0, 500));
  const recId = drafts.get(caseId)!.ecgIds[0]!;
  t.match(post.recordings.get(recId), { leads: ['MLII', 'V5'], samplingFrequency: 360 });
  t.match(audit.at(-1), { action: 'ecg.attach', target: caseId, detail: { recording: recId, imported: '100s.hea' } });

  // Send, twice: one case, two attachments, one audit entry.
  const sent = await app.inject(form('POST', `/casos/${caseId}/enviar`, { ...CASE, spo2: '85' }));
  t.equal(sent.headers.location, `/casos/${caseId}?ok=sent`);
  const again = await app.inject(form('POST', `/casos/${caseId}/enviar`, { ...CASE, reason: 'otro' }));
  t.equal(again.headers.location, `/casos/${caseId}?ok=sent`, 'a double click lands on the same case');
  t.equal(post.relay.outbox.queued().length, 1);
  const view = post.cases.get(caseId)!;
  t.same(view.attachments.map((a) => a.mediaType), ['image/jpeg', 'application/vnd.chasqui.ecg']);
  t.equal((view.body as { reason: string }).reason, CASE.reason);
  t.equal(audit.filter((e) => e.action === 'case.send').length, 1);
  t.match(audit.find((e) => e.action === 'case.send'), { actor: 'rosa', target: caseId, detail: { bundle: view.bundleId } });

  const summary = await app.inject({ method: 'GET', url: `/casos/${caseId}?ok=sent` });
  t.match(summary.body, /role="status">Caso enviado a la cola/);
  t.match(summary.body, /<p class="status-text">Esperando conexión<\/p>/);
  t.match(summary.body, /<strong class="field-flag low">Bajo<\/strong>/);
  t.notMatch(summary.body, /action="\/casos\/[^"]+\/(enviar|fotos)"/, 'a sent case has no forms');
  t.match(summary.body, /<script src="\/static\/case-status.js" defer>/);
  const list = await app.inject({ method: 'GET', url: '/casos' });
  t.match(list.body, new RegExp(`<a href="/casos/${caseId}">Lesión en la pierna</a> <span class="badge urgent">Urgente</span>`));
});

t.test('send refused without a reason; the field says so', async (t) => {
  const n = await nurseApp(t);
  const { caseId } = await newDraft(n);
  const res = await n.app.inject(form('POST', `/casos/${caseId}/enviar`, { reason: '', priority: 'routine' }));
  t.equal(res.statusCode, 400);
  t.match(res.body, /role="alert">Escriba el motivo de consulta antes de enviar./);
  t.match(res.body, /id="reason-err" role="alert">Falta este dato./);
  t.equal(n.post.cases.list().length, 0);
  t.equal(n.audit.filter((e) => e.action === 'case.send').length, 0);
});

t.test('too many files or one too big: a message, and what came before is kept', async (t) => {
  const n = await nurseApp(t);
  const { caseId } = await newDraft(n);
  const huge = await n.app.inject(await multipart(`/casos/${caseId}/fotos`, [{ field: 'photos', name: 'enorme.jpg', bytes: Buffer.alloc(26 * 1024 * 1024, 0xff) }]));
  t.equal(huge.statusCode, 400);
  t.match(huge.body, /«enorme.jpg» pesa más de 25 MB y no se subió/);
  const eleven = Array.from({ length: 11 }, (_, i) => ({ field: 'photos', name: `texto${i}.jpg`, bytes: Buffer.from('hola') }));
  const many = await n.app.inject(await multipart(`/casos/${caseId}/fotos`, eleven));
  t.equal(many.statusCode, 400);
  t.match(many.body, /«texto0.jpg» no es una foto/);
  t.match(many.body, /Se pueden subir hasta 10 archivos a la vez/);
  t.same(n.drafts.get(caseId)!.photoIds, []);
});

t.test('estado.json: waiting, sending with time left, delivered, seen, answered', async (t) => {
  const n = await nurseApp(t);
  const { caseId } = await newDraft(n);
  const state = async () => (await n.app.inject({ method: 'GET', url: `/casos/${caseId}/estado.json` })).json();
  t.match(await state(), { state: 'draft', percent: 0, label: 'Borrador' });
  const rec = n.post.recordings.add(Buffer.from(encodeEcg(await readEcgFile(join(ECG_DIR, '100s.hea')))), { source: 'x', quality: null, now: new Date() });
  n.drafts.addEcg(caseId, rec.id);
  await n.app.inject(form('POST', `/casos/${caseId}/enviar`, CASE));
  const waiting = await state();
  t.match(waiting, { state: 'waiting', percent: 0, bytesSent: 0, label: 'Esperando conexión', secondsLeft: null });
  t.ok(waiting.bytesTotal > 0);
  // Half the chunks acknowledged, at a known pace: 1 chunk per second.
  const view = n.post.cases.get(caseId)!;
  const row = n.post.relay.outbox.get(HUB_PEER, view.bundleId)!;
  const acked = new Bitmap(row.acked.size);
  const half = Math.max(1, Math.floor(row.acked.size / 2));
  for (let i = 0; i < half; i++) acked.set(i);
  n.post.relay.outbox.markStarted(row.seq);
  n.post.relay.outbox.saveAcked(row.seq, acked);
  n.rate.observe(view.bundleId, 0);
  n.clock.advance(half * 1000 - 1000);
  n.rate.observe(view.bundleId, half);
  const sending = await state();
  t.match(sending, { state: 'sending', bytesSent: Math.min(row.totalSize, half * row.chunkSize), bytesTotal: row.totalSize });
  t.ok(row.acked.size > 4, `${row.acked.size} chunks`);
  t.equal(sending.secondsLeft, row.acked.size - half, 'the chunks left at one per second');
  t.match(sending.label, /^Enviando \d+ %/);
  n.post.relay.outbox.finish(HUB_PEER, view.bundleId, { state: 'delivered', receipt: 'hub:1' }, Date.now());
  t.match(await state(), { state: 'delivered', percent: 100, bytesSent: row.totalSize, label: 'Entregado' });
  n.followUps.set(caseId, { seenAt: '2026-11-23T12:00:00Z' });
  t.match(await state(), { state: 'seen', label: 'Visto por el especialista' });
  n.followUps.set(caseId, { seenAt: '2026-11-23T12:00:00Z', answeredAt: '2026-11-23T13:00:00Z', answerHref: '/mensajes/m1' });
  t.match(await state(), { state: 'answered', label: 'Respondido', answerHref: '/mensajes/m1' });
  t.match((await n.app.inject({ method: 'GET', url: `/casos/${caseId}` })).body, /<a class="button" href="\/mensajes\/m1">Leer la respuesta<\/a>/);
  t.equal((await n.app.inject({ method: 'GET', url: '/casos/nope/estado.json' })).statusCode, 404);
});

t.test('a reason with markup is shown as text', async (t) => {
  const n = await nurseApp(t);
  const { caseId, patientId } = await newDraft(n);
  await n.app.inject(form('POST', `/casos/${caseId}`, { reason: '<script>alert(1)</script>', history: '</textarea><b>x</b>', priority: 'routine' }));
  for (const url of [`/casos/${caseId}`, '/casos', `/pacientes/${patientId}`]) {
    const body = (await n.app.inject({ method: 'GET', url })).body;
    t.notMatch(body, /<script>alert/, url);
    t.notMatch(body, /<\/textarea><b>/, url);
    t.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, url);
  }
});

t.test('uploaded file names cannot leave the temporary folder', async (t) => {
  t.equal(cleanName('../../etc/passwd'), 'passwd');
  t.equal(cleanName('..'), 'archivo');
  t.equal(cleanName(''), 'archivo');
  t.equal(cleanName('C:\\Users\\posta\\100s.hea'), '100s.hea');
  t.equal(cleanName('foto\u0000\u0007.jpg'), 'foto.jpg');
});
