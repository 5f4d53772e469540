/**
 * The vault's key slots on a real SQLite file: one data key, opened by any
 * nurse's slot or the recovery key, by nothing else; closed again in a new
 * process (a new PostVault on the same file); never stored in the clear.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import type { Clock } from '../../../lib/clock.js';
import { PostVault, RECOVERY_SLOT, nurseSlot } from '../../../node/vault/post-vault.js';
import { formatRecoveryKey, parseRecoveryKey } from '../../../node/vault/recovery-key.js';

const FAST = { N: 2 ** 10, r: 8, p: 1, keyLen: 32 };
const clock: Clock = { now: () => Date.UTC(2026, 0, 5, 9) };

function vaultAt(file: string): PostVault {
  return new PostVault(openDatabase(file), clock, FAST);
}

t.test('the first nurse makes the key; her secret and the recovery key open it after a restart, nothing else does', async (t) => {
  const file = join(t.testdir(), 'post.sqlite');
  const first = vaultAt(file);
  t.notOk(first.exists());
  const recoveryKey = (await first.create(nurseSlot("n1"), "ucayali-2026")).recoveryKey!;
  const key = first.dataKey();
  t.equal(key.length, 32);
  t.same(first.slotNames(), [nurseSlot('n1'), RECOVERY_SLOT]);
  t.notOk(readFileSync(file).includes(key), 'the data key is not in the file');

  const after = vaultAt(file);
  t.ok(after.exists());
  t.notOk(after.isOpen(), 'closed at every start');
  t.throws(() => after.dataKey(), { code: 'CHASQUI_ERR_LOCKED' });
  t.notOk(await after.open(nurseSlot('n1'), 'ucayali-2025'), 'a wrong password');
  t.notOk(await after.open(nurseSlot('n2'), 'ucayali-2026'), 'a slot that does not exist');
  t.notOk(await after.open(RECOVERY_SLOT, 'ucayali-2026'), 'a password is not the recovery key');
  t.notOk(after.isOpen());
  t.ok(await after.open(RECOVERY_SLOT, parseRecoveryKey(formatRecoveryKey(recoveryKey).toLowerCase())));
  t.ok(after.dataKey().equals(key));

  const third = vaultAt(file);
  t.ok(await third.open(nurseSlot('n1'), 'ucayali-2026'));
  t.ok(third.dataKey().equals(key));
});

t.test('a new nurse and a new password get slots only from an open vault, and replace the old wrapping', async (t) => {
  const file = join(t.testdir(), 'post.sqlite');
  const v = vaultAt(file);
  await v.create(nurseSlot('n1'), 'ucayali-2026');
  await v.setSlot(nurseSlot('n2'), '482916');
  await v.setSlot(nurseSlot('n1'), 'nueva-clave-7');
  const closed = vaultAt(file);
  await t.rejects(closed.setSlot(nurseSlot('n3'), 'x'.repeat(10)), { code: 'CHASQUI_ERR_LOCKED' });
  t.notOk(await closed.open(nurseSlot('n1'), 'ucayali-2026'), 'the old password no longer opens it');
  t.ok(await closed.open(nurseSlot('n2'), '482916'));
  await t.rejects(closed.create(nurseSlot('n9'), 'otra-clave-1'), { code: 'CHASQUI_ERR_BAD_REQUEST' }, 'never a second data key');
  t.throws(() => closed.removeSlot(RECOVERY_SLOT), { code: 'CHASQUI_ERR_BAD_REQUEST' });
});

t.test('a slot renamed or with its cost lowered in the database opens nothing', async (t) => {
  const file = join(t.testdir(), 'post.sqlite');
  const v = vaultAt(file);
  await v.create(nurseSlot('n1'), 'ucayali-2026');
  const db = openDatabase(file);
  db.prepare("UPDATE vault_slots SET name = ? WHERE name = ?").run(nurseSlot('intruso'), nurseSlot('n1'));
  t.notOk(await vaultAt(file).open(nurseSlot('intruso'), 'ucayali-2026'));
  db.prepare("UPDATE vault_slots SET name = ?, params = ? WHERE name = ?").run(nurseSlot('n1'), JSON.stringify({ ...FAST, N: 2 ** 4 }), nurseSlot('intruso'));
  t.notOk(await vaultAt(file).open(nurseSlot('n1'), 'ucayali-2026'));
});

t.test('the recovery key survives a hand copy, and anything else is refused with a clear error', async (t) => {
  const key = Buffer.from('00112233445566778899aabbccddeeff01234567', 'hex');
  const text = formatRecoveryKey(key);
  t.match(text, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
  t.ok(parseRecoveryKey(` ${text.replace(/-/g, ' ').replace(/0/g, 'O').toLowerCase()} `).equals(key));
  t.throws(() => parseRecoveryKey('ABCD-EFGH'), { code: 'CHASQUI_ERR_USAGE' });
  t.throws(() => parseRecoveryKey(text.replace(/.$/, 'U')), { code: 'CHASQUI_ERR_USAGE' });
});
