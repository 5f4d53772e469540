/** Patients on a real SQLite file: validation, unique documents, accent-insensitive search, estimated ages. */
import t from 'tap';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import { ageYears, foldText, PatientStore, validatePatient, type PatientInput } from '../../../node/patients/patient-store.js';
import { tempDir } from '../../support/paths.js';

const NOW = new Date('2026-11-23T10:00:00Z');

function store(t: { teardown(fn: () => void): void }): PatientStore {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'post.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  return new PatientStore(db);
}

const maria = { names: 'María Ñusta', surnames: 'Quispe Huamán', docKind: 'DNI', docNumber: '40123456', birthDate: '1987-03-14', sex: 'F', community: 'Centro poblado Ccapac' };

function valid(raw: Record<string, unknown>): PatientInput {
  const v = validatePatient(raw, NOW);
  if (!v.ok) throw new Error(`unexpected errors ${JSON.stringify(v.errors)}`);
  return v.value;
}

t.test('validation names each bad field with an i18n key', async (t) => {
  const v = validatePatient({ docKind: 'DNI', docNumber: '1234567', sex: 'X', phone: 'llamar' }, NOW);
  t.notOk(v.ok);
  if (v.ok) return;
  t.same(v.errors, {
    names: 'patients.error.required', surnames: 'patients.error.required', docNumber: 'patients.error.docDNI',
    birthDate: 'patients.error.birthOrAge', sex: 'patients.error.required', community: 'patients.error.required', phone: 'patients.error.phone',
  });
  const bad = (raw: Record<string, unknown>) => { const r = validatePatient({ ...maria, ...raw }, NOW); return r.ok ? {} : r.errors; };
  t.same(bad({ docNumber: '401234567' }), { docNumber: 'patients.error.docDNI' }, '9 digits is not a DNI');
  t.same(bad({ docNumber: '4012345A' }), { docNumber: 'patients.error.docDNI' });
  t.same(bad({ docKind: 'CE', docNumber: '00123' }), { docNumber: 'patients.error.docCE' });
  t.same(bad({ docKind: 'passport' }), { docKind: 'patients.error.required' });
  t.same(bad({ birthDate: '2026-12-01' }), { birthDate: 'patients.error.birthFuture' });
  t.same(bad({ birthDate: '1987-02-30' }), { birthDate: 'patients.error.birthDate' }, 'no 30 February');
  t.same(bad({ birthDate: '', estimatedAgeYears: '131' }), { estimatedAgeYears: 'patients.error.age' });
  t.same(bad({ birthDate: '', estimatedAgeYears: 'cuarenta' }), { estimatedAgeYears: 'patients.error.age' });
  const ok = valid({ ...maria, docNumber: ' 4012 3456 ', phone: '+51 984 123 456', names: '  María   Ñusta ' });
  t.equal(ok.docNumber, '40123456', 'spaces typed in the number are dropped');
  t.equal(ok.names, 'María Ñusta');
  t.equal(ok.phone, '+51 984 123 456');
  t.equal(valid({ ...maria, docKind: 'local', docNumber: 'ps-0042' }).docNumber, 'PS-0042');
});

t.test('create, read, documents unique per kind', async (t) => {
  const s = store(t);
  const res = s.create(valid(maria), 'rosa', NOW);
  t.ok(res.ok);
  if (!res.ok) return;
  t.match(res.patient, { names: 'María Ñusta', docNumber: '40123456', createdBy: 'rosa', updatedBy: 'rosa', createdAt: NOW.toISOString() });
  t.match(res.patient.id, /^[0-9a-f-]{36}$/);
  t.same(s.get(res.patient.id), res.patient);
  const dup = s.create(valid({ ...maria, names: 'Otra' }), 'rosa', NOW);
  t.same(dup, { ok: false, errors: { docNumber: 'patients.error.docTaken' } });
  t.ok(s.create(valid({ ...maria, docKind: 'local', docNumber: '40123456' }), 'rosa', NOW).ok, 'the same number under another kind is another document');
  t.equal(s.recent().length, 2);
});

t.test('update keeps the creator, checks the document against others only', async (t) => {
  const s = store(t);
  const a = s.create(valid(maria), 'rosa', NOW);
  const b = s.create(valid({ ...maria, docNumber: '12345678', names: 'Juan' }), 'rosa', NOW);
  if (!a.ok || !b.ok) throw new Error('setup');
  const later = new Date('2026-11-24T08:00:00Z');
  const upd = s.update(a.patient.id, valid({ ...maria, phone: '984000111' }), 'luz', later);
  t.match(upd, { ok: true, patient: { phone: '984000111', createdBy: 'rosa', updatedBy: 'luz', updatedAt: later.toISOString() } });
  t.same(s.update(b.patient.id, valid(maria), 'luz', later), { ok: false, errors: { docNumber: 'patients.error.docTaken' } });
  t.equal(s.update('nope', valid(maria), 'luz', later), undefined);
  t.equal(s.recent()[0]!.id, a.patient.id, 'most recently touched first');
});

t.test('search: fragments, no accents needed, any case, by document', async (t) => {
  const s = store(t);
  s.create(valid(maria), 'rosa', NOW);
  s.create(valid({ ...maria, names: 'Mario', surnames: 'Mamani', docNumber: '71234567', community: 'Anta' }), 'rosa', NOW);
  s.create(valid({ ...maria, names: 'Ana', surnames: 'Huaman 50%_x', docNumber: '55555555', community: 'Anta' }), 'rosa', NOW);
  const names = (q: string) => s.search(q).map((p) => p.names).sort();
  t.same(names('maria'), ['María Ñusta']);
  t.same(names('MARIA QUISPE'), ['María Ñusta'], 'every word must match');
  t.same(names('nusta'), ['María Ñusta'], 'ñ folds to n');
  t.same(names('huaman'), ['Ana', 'María Ñusta']);
  t.same(names('mari'), ['Mario', 'María Ñusta']);
  t.same(names('40123456'), ['María Ñusta']);
  t.same(names('7123'), ['Mario'], 'a fragment of the number');
  t.same(names('anta'), ['Ana', 'Mario'], 'by community');
  t.same(names('50%'), ['Ana'], 'LIKE wildcards are taken literally');
  t.same(names('%'), ['Ana'], 'a bare % is not "anything"');
  t.same(names('_'), ['Ana']);
  t.same(names('   '), []);
  t.same(names('quispe lopez'), []);
  t.equal(foldText('  ÁÉÍÓÚ Ü  ñ '), 'aeiou u n');
});

t.test('age from a birth date, or from an estimate that ages with time', async (t) => {
  const born = { birthDate: '1987-11-24', estimatedAgeYears: null, updatedAt: '2020-01-01T00:00:00Z' };
  t.equal(ageYears(born, NOW), 38, 'birthday tomorrow');
  t.equal(ageYears({ ...born, birthDate: '1987-11-23' }, NOW), 39);
  const est = { birthDate: null, estimatedAgeYears: 40, updatedAt: '2024-06-01T00:00:00Z' };
  t.equal(ageYears(est, NOW), 42, 'estimated 40 in mid-2024');
  t.equal(ageYears({ birthDate: null, estimatedAgeYears: null, updatedAt: NOW.toISOString() }, NOW), null);
  const s = store(t);
  const res = s.create(valid({ ...maria, birthDate: '', estimatedAgeYears: '40' }), 'rosa', NOW);
  t.match(res, { ok: true, patient: { birthDate: null, estimatedAgeYears: 40 } });
});
