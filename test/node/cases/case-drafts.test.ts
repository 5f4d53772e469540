/** Drafts on a real post (SQLite files, link down): sending is idempotent, and the bundle carries the photo and the ECG. */
import t from 'tap';
import { join } from 'node:path';
import type { Nurse } from '../../../node/auth/nurse.js';
import { CaseDrafts } from '../../../node/cases/case-drafts.js';
import { ECG_MEDIA_TYPE } from '../../../node/ecg/ecg-recordings.js';
import { PatientStore, validatePatient } from '../../../node/patients/patient-store.js';
import { preparePhoto } from '../../../node/photos/photo-pipeline.js';
import { PhotoStore } from '../../../node/photos/photo-store.js';
import { buildPost } from '../../../node/post.js';
import { readEcgFile } from '../../../firmware-bridge/ecg/ecg-files.js';
import { encodeEcg } from '../../../protocol/ecg-codec.js';
import { quietLogger } from '../../support/logger.js';
import { SHARED_DATA, sharedFile, tempDir } from '../../support/paths.js';
import { TEST_SCRYPT, openVault, postConfig } from '../../support/stack.js';

const nurse: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Condori', role: 'nurse' };
const NOW = Date.parse('2026-11-23T10:00:00Z');

async function setup(t: { teardown(fn: () => Promise<void> | void): void }) {
  const { dir, cleanup } = tempDir();
  const post = buildPost({ config: postConfig({ dir, postId: 'post-drafts', url: 'mqtt://127.0.0.1:1', password: 'x' }), logger: quietLogger(), clock: { now: () => NOW }, scrypt: TEST_SCRYPT });
  await openVault(post);
  t.teardown(async () => {
    await post.app.close();
    post.db.close();
    cleanup();
  });
  const patients = new PatientStore(post.db);
  const photos = new PhotoStore(post.db);
  const drafts = new CaseDrafts({ db: post.db, patients, photos, recordings: post.recordings, cases: post.cases, clock: { now: () => NOW } });
  const v = validatePatient({ names: 'María', surnames: 'Quispe', docKind: 'DNI', docNumber: '40123456', estimatedAgeYears: '60', sex: 'F', community: 'Ccapac', phone: '984123456' }, new Date(NOW));
  if (!v.ok) throw new Error('bad patient fixture');
  const res = patients.create(v.value, 'rosa', new Date(NOW));
  if (!res.ok) throw new Error('patient not created');
  return { post, patients, photos, drafts, patient: res.patient };
}

const fields = { reason: 'Dolor torácico desde ayer', history: 'Hipertensa', priority: 'urgent' as const, specialty: 'cardiology' as const, vitals: { systolic: '160', diastolic: '95', spo2: '85', temperature: '37,5' } };

t.test('sending twice (double click, retried request) makes one case', async (t) => {
  const { post, drafts, patient } = await setup(t);
  const draft = drafts.create(patient.id, nurse);
  t.equal(draft.state, 'draft');
  t.ok(drafts.save(draft.id, fields));
  const first = drafts.send(draft.id, nurse);
  const second = drafts.send(draft.id, nurse);
  t.equal(first.created, true);
  t.equal(second.created, false);
  t.equal(second.view.bundleId, first.view.bundleId);
  t.equal(first.view.caseId, draft.id, 'the draft id is the case id');
  t.equal(post.cases.list().length, 1);
  t.equal(post.relay.outbox.queued().length, 1, 'one transfer in the outbox');
  t.match(drafts.get(draft.id), { state: 'sent', sentAt: new Date(NOW).toISOString() });
  t.notOk(drafts.save(draft.id, { ...fields, reason: 'cambiado' }), 'a sent case never changes');
  t.notOk(drafts.addPhoto(draft.id, 'x'));
  t.equal(drafts.get(draft.id)!.reason, fields.reason);
});

t.test('a case queued but not yet marked (crash in between) is found, not made again', async (t) => {
  const { post, drafts, patient } = await setup(t);
  const draft = drafts.create(patient.id, nurse);
  drafts.save(draft.id, fields);
  post.cases.submit({ caseId: draft.id, priority: 'routine', body: { reason: 'earlier' }, attachments: [] });
  const res = drafts.send(draft.id, nurse);
  t.equal(res.created, false);
  t.equal(drafts.get(draft.id)!.state, 'sent');
  t.equal(post.relay.outbox.queued().length, 1);
});

t.test('the bundle carries the demographics, vitals with flags, the photo and the ECG', async (t) => {
  const { post, photos, drafts, patient } = await setup(t);
  const draft = drafts.create(patient.id, nurse);
  drafts.save(draft.id, fields);
  const photo = photos.add(await preparePhoto(sharedFile('photos/Sumo_Museum.jpg'), { name: 'Sumo_Museum.jpg' }), { name: 'Sumo_Museum.jpg', now: new Date(NOW) });
  const again = photos.add(await preparePhoto(sharedFile('photos/canon_hdr_NO.jpg'), { name: 'Sumo_Museum.png' }), { name: 'Sumo_Museum.png', now: new Date(NOW) });
  const ecg = Buffer.from(encodeEcg(await readEcgFile(join(SHARED_DATA, 'ecg/mitdb/100s.hea'))));
  const rec = post.recordings.add(ecg, { source: 'WFDB 100s', quality: null, now: new Date(NOW) });
  t.ok(drafts.addPhoto(draft.id, photo.id));
  t.ok(drafts.addPhoto(draft.id, photo.id), 'adding the same photo twice keeps one');
  t.ok(drafts.addPhoto(draft.id, again.id));
  t.ok(drafts.addEcg(draft.id, rec.id));
  t.throws(() => drafts.addEcg(draft.id, 'nope'), { code: 'CHASQUI_ERR_NOT_FOUND' });
  const { view } = drafts.send(draft.id, nurse);
  t.same(view.attachments.map((a) => [a.name, a.mediaType]), [
    ['Sumo_Museum.jpg', 'image/jpeg'], ['Sumo_Museum-2.jpg', 'image/jpeg'], [`ecg-${rec.id}.cqe`, ECG_MEDIA_TYPE],
  ], 'photos named by their name (made unique), the ECG as a recording');
  t.equal(view.attachments[0]!.sha256, photo.sha256);
  t.equal(view.attachments[2]!.sha256, rec.sha256, 'the ECG bytes are the recording’s bytes');
  t.equal(view.priority, 'urgent');
  const body = post.store.get(draft.id)!.body as Record<string, any>;
  t.match(body, {
    patient: { id: patient.id, names: 'María', surnames: 'Quispe', document: { kind: 'DNI', number: '40123456' }, ageYears: 60, ageEstimated: true, sex: 'F', community: 'Ccapac' },
    reason: fields.reason, history: 'Hipertensa', specialty: 'cardiology',
    vitals: { systolic: { value: 160, unit: 'mmHg', flag: 'high' }, spo2: { value: 85, unit: '%', flag: 'low' }, temperature: { value: 37.5, unit: '°C' } },
    nurse: { username: 'rosa', name: 'Rosa Condori' }, startedAt: draft.createdAt, sentAt: new Date(NOW).toISOString(),
  });
  t.equal(body.patient.phone, undefined, 'the phone number stays at the post');
  t.equal(body.vitals.temperature.flag, undefined);
});

t.test('what cannot be sent is refused with a reason the UI translates, and nothing is queued', async (t) => {
  const { post, drafts, patient } = await setup(t);
  const draft = drafts.create(patient.id, nurse);
  t.throws(() => drafts.send(draft.id, nurse), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { reason: 'cases.error.noReason' } });
  drafts.save(draft.id, { ...fields, vitals: { spo2: '101' } });
  t.throws(() => drafts.send(draft.id, nurse), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { reason: 'cases.error.badVitals' } });
  drafts.save(draft.id, { ...fields, specialty: null, vitals: {} });
  drafts.addPhoto(draft.id, 'a-photo-that-is-gone');
  t.throws(() => drafts.send(draft.id, nurse), { code: 'CHASQUI_ERR_BAD_REQUEST', details: { reason: 'cases.error.photoMissing' } });
  t.equal(post.cases.list().length, 0);
  t.equal(drafts.get(draft.id)!.state, 'draft');
  drafts.removePhoto(draft.id, 'a-photo-that-is-gone');
  t.equal(drafts.send(draft.id, nurse).created, true);
  t.equal((post.store.get(draft.id)!.body as { specialty: unknown }).specialty, null, 'no specialty: the hub routes');
  t.throws(() => drafts.create('no-such-patient', nurse), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.throws(() => drafts.send('no-such-draft', nurse), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.same(drafts.forPatient(patient.id).map((d) => d.id), [draft.id]);
});
