/**
 * A post installed before the vault kept its patients in post.sqlite in the
 * clear. The first sign-in after the upgrade moves them into the encrypted
 * clinical.sqlite, and post.sqlite no longer holds a byte of them.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPost } from '../../../node/post.js';
import { openPostDatabase } from '../../../node/post-database.js';
import { PatientStore } from '../../../node/patients/patient-store.js';
import { openDatabase } from '../../../lib/sqlite.js';
import { quietLogger } from '../../support/logger.js';
import { tempDir } from '../../support/paths.js';
import { TEST_SCRYPT, postConfig } from '../../support/stack.js';

t.test('the first opening moves an old post\'s patients into the encrypted file', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = postConfig({ dir, postId: 'posta-vieja', url: 'mqtt://127.0.0.1:1', password: 'x' });
  // The old layout: WAL, tables in post.sqlite.
  const old = openDatabase(join(config.dataDir, 'post.sqlite'));
  const made = new PatientStore(old).create({ names: 'Julia', surnames: 'Manihuari Cumapa', docKind: 'DNI', docNumber: '40998877', birthDate: null, estimatedAgeYears: 33, sex: 'F', community: 'Callería', phone: '987654321' }, 'rosa', new Date());
  old.close();
  t.ok(readFileSync(join(config.dataDir, 'post.sqlite')).includes('Manihuari Cumapa'), 'the control: in the clear before');

  const post = buildPost({ config, logger: quietLogger(), scrypt: TEST_SCRYPT });
  t.teardown(() => post.stop());
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  t.ok(await post.openWith('rosa', 'ucayali-2026'));
  t.equal(post.patients.get(made.ok ? made.patient.id : '')?.phone, '987654321', 'read back from clinical.sqlite');
  t.equal(post.patients.search('Manihuari').length, 1);
  const file = readFileSync(join(config.dataDir, 'post.sqlite'));
  t.notOk(file.includes('Manihuari Cumapa') || file.includes('40998877'), 'post.sqlite holds none of it now');
  const main = openPostDatabase(config.dataDir);
  t.same(main.prepare("SELECT name FROM sqlite_master WHERE name = 'patients'").all(), [], 'the table is gone from post.sqlite');
  main.close();
});
