/**
 * The hub's database at rest: after a real post sent cases with a patient's
 * name, DNI, a photo and an ECG through the real broker, no file under the
 * hub's data folder holds any of them, running or stopped, and plain SQLite
 * cannot open it; restarted with its key the hub reads everything as before;
 * a wrong, missing or too open key stops the start with its code; and a
 * plain hub.sqlite from before is encrypted in place with every row kept.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Hub } from '../../hub/hub.js';
import { readDatabaseKey } from '../../lib/database-key.js';
import { databaseState, openDatabase, type Db } from '../../lib/sqlite.js';
import { sharedFile, tempDir } from '../support/paths.js';
import { enrolPost, startHub, startPost } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const PATIENT = { names: 'Rosa Elvira', surnames: 'Quispe Mamani', document: { kind: 'DNI', number: '40917263' }, ageYears: 41, sex: 'F', community: 'Ccapac' };
const photo = sharedFile('photos/canon_hdr_NO.jpg');
const ecg = sharedFile('ecg/mitdb/100s.dat');
// Chunks from inside each file: a page of SQLite holds a run of bytes this long whole.
const NEEDLES: Array<[string, Buffer]> = [
  ['the surnames', Buffer.from(PATIENT.surnames)],
  ['the DNI', Buffer.from(PATIENT.document.number)],
  ['a chunk of the photo', photo.subarray(20_000, 20_064)],
  ['a chunk of the ECG', ecg.subarray(4_000, 4_064)],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Which file under `dir` holds which needle (none, when all is well). */
function findings(dir: string): string[] {
  return filesUnder(dir).flatMap((f) => {
    const bytes = readFileSync(f);
    return NEEDLES.filter(([, n]) => bytes.includes(n)).map(([what]) => `${what} in ${f}`);
  });
}

/** Every table's rows, hashed: the same digest means the same rows. */
function contents(db: Db): Record<string, string> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  return Object.fromEntries(tables.map((name) => {
    const rows = (db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][]).map((r) => r.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
    return [name, createHash('sha256').update(JSON.stringify(rows)).digest('hex')];
  }));
}

async function ingested(hub: Hub, ids: string[]): Promise<void> {
  await waitFor(() => ids.every((id) => hub.cases.list(100).some((c) => c.caseId === id)), { what: `${ids.join(', ')} at the hub`, timeoutMs: 60_000 });
}

t.test('a stolen hub data folder gives nothing away; with its key the hub reads it all again', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const dataDir = join(dir, 'hub');
  const keyFile = join(dir, 'hub-db.key');
  let hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  t.ok(existsSync(keyFile), 'the key is made beside the data folder, not in it');
  t.equal(statSync(keyFile).mode & 0o777, 0o600);
  const { password, hubIdentity } = enrolPost(hub, dir, 'post-at-rest');
  const post = await startPost({ dir, postId: 'post-at-rest', url: hub.brokerUrl(), password, hubIdentity });
  t.teardown(() => post.stop());
  post.cases.submit({ caseId: 'c-photo', priority: 'urgent', body: { reason: 'Lesión en el antebrazo', patient: PATIENT }, attachments: [{ name: 'brazo.jpg', mediaType: 'image/jpeg', bytes: photo }] });
  post.cases.submit({ caseId: 'c-ecg', priority: 'routine', body: { reason: 'Palpitaciones', patient: PATIENT }, attachments: [{ name: '100s.dat', mediaType: 'application/x-wfdb-signal', bytes: ecg }] });
  await ingested(hub, ['c-photo', 'c-ecg']);
  const before = hub.cases.list(100).map((c) => ({ caseId: c.caseId, body: c.body, attachments: c.attachments }));
  t.match(JSON.stringify(before), PATIENT.document.number, 'the hub holds the patient (the control)');

  t.same(findings(dataDir), [], 'nothing readable while the hub runs (database and WAL)');
  await post.stop();
  await hub.stop();
  t.same(findings(dataDir), [], 'nothing readable with the hub stopped');
  const file = join(dataDir, 'hub.sqlite');
  const plain = new Database(file);
  t.throws(() => plain.prepare('SELECT * FROM cases').all(), { code: 'SQLITE_NOTADB' }, 'plain SQLite cannot read it');
  plain.close();

  hub = await startHub({ dir });
  const after = hub.cases.list(100).map((c) => ({ caseId: c.caseId, body: c.body, attachments: c.attachments }));
  t.same(after, before, 'restarted with its key: every case as before');
  const img = after.find((c) => c.caseId === 'c-photo')!.attachments[0]!;
  t.ok(hub.cases.blobs.get(img.sha256)?.equals(photo), 'the photo byte for byte');
  await hub.stop();

  await t.test('a wrong key, a missing key file or a 0644 one stops the start with its code', async (t) => {
    const good = readFileSync(keyFile);
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`);
    await t.rejects(startHub({ dir }), { code: 'CHASQUI_ERR_STORE_KEY' }, 'another key');
    writeFileSync(keyFile, good);
    chmodSync(keyFile, 0o644);
    await t.rejects(startHub({ dir }), { code: 'CHASQUI_ERR_KEY_FILE', message: /mode 0644/ }, 'readable by others');
    chmodSync(keyFile, 0o600);
    renameSync(keyFile, `${keyFile}.away`);
    await t.rejects(startHub({ dir }), { code: 'CHASQUI_ERR_KEY_FILE', message: /hub-db\.key does not exist, and .*hub\.sqlite is encrypted.*Restore the key file from its backup/ }, 'missing');
    t.notOk(existsSync(keyFile), 'no new key was made for the encrypted database');
    renameSync(`${keyFile}.away`, keyFile);
    hub = await startHub({ dir });
    t.equal(hub.cases.count(), 2, 'the key put back opens it again');
    await hub.stop();
  });
});

t.test('a plain hub.sqlite from before (an installed hub upgrading) is encrypted on its first start, every row kept', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const keyFile = join(dir, 'keys', 'hub-db.key');
  const config = { storage: { keyFile } };
  let hub = await startHub({ dir, config });
  t.teardown(() => hub.stop());
  const { password, hubIdentity } = enrolPost(hub, dir, 'post-old');
  const post = await startPost({ dir, postId: 'post-old', url: hub.brokerUrl(), password, hubIdentity });
  post.cases.submit({ caseId: 'old-1', priority: 'routine', body: { reason: 'Control', patient: PATIENT }, attachments: [{ name: 'brazo.jpg', mediaType: 'image/jpeg', bytes: photo }] });
  await ingested(hub, ['old-1']);
  await post.stop();
  await hub.stop();

  // What a hub installed before encryption has: the same database, plain, and no key file.
  const file = join(dir, 'hub', 'hub.sqlite');
  const db = openDatabase(file, { key: readDatabaseKey(keyFile) });
  db.pragma('journal_mode = DELETE');
  db.pragma("rekey = ''");
  db.close();
  renameSync(keyFile, `${keyFile}.old`);
  t.equal(databaseState(file), 'plain');
  const plain = openDatabase(file);
  const rows = contents(plain);
  plain.close();
  const exposed = findings(join(dir, 'hub'));
  for (const what of ['the surnames', 'the DNI', 'a chunk of the photo']) t.ok(exposed.some((f) => f.startsWith(what)), `the plain file gives away ${what} (the control)`);

  hub = await startHub({ dir, config });
  t.ok(existsSync(keyFile), 'a new key made for it');
  t.equal(databaseState(file), 'encrypted');
  t.equal(hub.cases.count(), 1);
  await hub.stop();
  t.same(findings(join(dir, 'hub')), [], 'nothing readable after the upgrade');
  t.same(readdirSync(join(dir, 'hub')).filter((f) => f.includes('encrypting')), [], 'no copy left behind');
  const reopened = openDatabase(file, { key: readDatabaseKey(keyFile) });
  t.same(contents(reopened), rows, 'every row of every table kept');
  reopened.close();
});
