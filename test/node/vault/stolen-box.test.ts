/**
 * The stolen box, on a real hub, broker and SQLite files: after a nurse has
 * registered a patient, sent a case with a photo and received an answer, the
 * post is stopped and every file under its data folder and its config is
 * searched (bytes, and plain SQLite): no name, DNI, answer or photo. Started
 * again it is locked: the relay still works (an answer arriving now is kept
 * sealed), the pages and the API refuse, an old session is void; the nurse's
 * sign-in opens everything exactly as before, the held answer once.
 */
import t from 'tap';
import Database from 'better-sqlite3-multiple-ciphers';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPost, type Post } from '../../../node/post.js';
import { quietLogger } from '../../support/logger.js';
import { sharedFile, tempDir } from '../../support/paths.js';
import { TEST_SCRYPT, enrolPost, postConfig, startHub } from '../../support/stack.js';
import { skinCase } from '../../support/sample-cases.js';
import { waitFor } from '../../support/wait.js';
import { apiAuth } from '../../support/api-auth.js';

const AUTHOR = { name: 'Dr. Luis Vargas', specialty: 'dermatology' };
const NURSE = { username: 'rosa', secret: 'ucayali-2026' };
const PATIENT = { names: 'Florinda', surnames: 'Shahuano Pacaya', docKind: 'DNI' as const, docNumber: '47120958', birthDate: '1988-03-14', estimatedAgeYears: null, sex: 'F' as const, community: 'Iparia', phone: '961234567' };
const ANSWER = 'Dermatitis de contacto por látex; suspender el guante.';
const LATE = 'Control en dos semanas con foto nueva del antebrazo.';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function signIn(post: Post, o = NURSE): Promise<{ status: number; cookie: string }> {
  const res = await post.app.inject({
    method: 'POST', url: '/entrar', headers: { origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: o.username, secret: o.secret, volver: '/' }).toString(),
  });
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
  return { status: res.statusCode, cookie };
}

t.test('a stolen post gives nothing away; a sign-in gives everything back', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  const { password, hubIdentity } = enrolPost(hub, dir, 'posta-iparia');
  const config = postConfig({ dir, postId: 'posta-iparia', url: hub.brokerUrl(), password, hubIdentity });
  const configFile = join(dir, 'post.json');
  writeFileSync(configFile, JSON.stringify(config));
  const build = () => buildPost({ config, logger: quietLogger(), scrypt: TEST_SCRYPT });

  const first = build();
  await first.start();
  await first.auth.accounts.create({ username: NURSE.username, displayName: 'Rosa Huamán', kind: 'password', secret: NURSE.secret, role: 'nurse' });
  t.notOk(first.vault.exists(), 'a new post has no data key');
  t.equal((await signIn(first)).status, 303, 'the first sign-in');
  t.ok(first.vault.isOpen(), 'made the data key and opened it');
  const created = first.patients.create(PATIENT, NURSE.username, new Date());
  t.ok(created.ok);
  const photo = sharedFile('photos/HMD_Nokia_8.3_5G.jpg');
  const caseId = first.cases.submit(skinCase('iparia-1', photo)).view.caseId;
  await waitFor(() => hub.cases.find('posta-iparia', 'iparia-1'), { what: 'the case at the hub' });
  const answer = hub.sendCounterReference('posta-iparia', caseId, { type: 'answer', author: AUTHOR, assessment: ANSWER, diagnoses: [{ code: 'L23.9', text: 'x' }] });
  await waitFor(() => first.threads.get(answer.id), { what: 'the answer at the post' });
  const sha = first.store.get(caseId)!.attachments[0]!.sha256;
  const stored = first.store.blobs.get(sha)!;
  const { cookie } = await signIn(first);
  await first.stop();

  const secrets = [PATIENT.surnames, PATIENT.docNumber, PATIENT.phone, ANSWER, 'Ríos Tuanama', '45678912'];
  const photoBits = [stored.subarray(1000, 1064), stored.subarray(Math.floor(stored.length / 2), Math.floor(stored.length / 2) + 64)];
  const files = [...filesUnder(config.dataDir), configFile];
  t.ok(files.some((f) => f.endsWith('clinical.sqlite')) && files.some((f) => f.endsWith('post.sqlite')), `searched ${files.length} files`);
  for (const f of files.filter((x) => x.endsWith('.sqlite'))) t.equal(statSync(f).mode & 0o077, 0, `${f.slice(dir.length)} is the service's alone`);
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const s of secrets) t.notOk(bytes.includes(s) || bytes.includes(Buffer.from(s, 'utf16le')), `"${s}" not in ${f.slice(dir.length)}`);
    for (const b of photoBits) t.notOk(bytes.includes(b), `no piece of the photo in ${f.slice(dir.length)}`);
  }
  for (const f of files.filter((x) => x.endsWith('.sqlite'))) {
    const db = new Database(f, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      t.notOk(tables.some((n) => ['patients', 'case_thread', 'blobs', 'post_photos', 'cases'].includes(n)), `${f.slice(dir.length)}: no clinical table in the clear (${tables.length} tables)`);
    } catch (err) {
      t.equal((err as { code?: string }).code, 'SQLITE_NOTADB', `${f.slice(dir.length)} does not open at all`);
    } finally {
      db.close();
    }
  }

  const again = build();
  await again.start();
  t.teardown(() => again.stop());
  t.notOk(again.vault.isOpen(), 'started locked');
  t.equal((await again.app.inject({ url: '/', headers: { cookie } })).statusCode, 303, 'the session from before the restart is void');
  const api = await again.app.inject({ url: '/api/cases', headers: apiAuth(config.dataDir) });
  t.equal(api.statusCode, 423, 'the box\'s own API: locked');
  t.equal(api.json().error.code, 'CHASQUI_ERR_LOCKED');
  const late = hub.sendCounterReference('posta-iparia', caseId, { type: 'question', author: AUTHOR, question: LATE });
  await waitFor(() => again.held.count() === 1 || undefined, { what: 'the question kept sealed while locked' });
  await waitFor(() => hub.threads.thread('posta-iparia', caseId).find((m) => m.id === late.id)?.deliveredAt, { what: 'delivered: the hub stops resending' });
  t.notOk(readFileSync(join(config.dataDir, 'post.sqlite')).includes(LATE), 'held as it came: sealed');
  t.same(again.db.prepare('SELECT enveloped FROM sealed_arrivals').pluck().all(), [1], 'and enveloped to the vault: the post\'s own identity key, on the disk, does not open it');

  t.equal((await signIn(again, { ...NURSE, secret: 'ucayali-2025' })).status, 200, 'a wrong password opens nothing');
  t.notOk(again.vault.isOpen());
  const ok = await signIn(again);
  t.equal(ok.status, 303);
  t.ok(again.vault.isOpen());
  t.equal(again.held.count(), 0, 'the held question was opened');
  t.equal(again.threads.get(late.id)?.body.question, LATE);
  t.equal(again.threads.byCase(caseId).filter((m) => m.id === late.id).length, 1, 'once');
  t.equal(again.threads.get(answer.id)?.body.assessment, ANSWER, 'the answer reads as before');
  t.equal(again.patients.get(created.ok ? created.patient.id : '')?.docNumber, PATIENT.docNumber, 'the patient reads as before');
  t.ok(again.store.blobs.get(sha)?.equals(stored), 'the photo reads as before');
  const home = await again.app.inject({ url: '/pacientes', headers: { cookie: ok.cookie } });
  t.match(home.body, /Shahuano Pacaya/, 'and the nurse app shows it');
});
