/** The registry as the running hub sees it while `chasqui hub add-post` writes from another process. */
import t from 'tap';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import { PostRegistry } from '../../../hub/posts/post-registry.js';
import { tempDir } from '../../support/paths.js';

/** The running hub's connection and the command line's, to one file: another process, as far as SQLite can tell. */
function twoConnections(t: { teardown(fn: () => void): void }) {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'hub.sqlite');
  const hubDb = openDatabase(file);
  const cliDb = openDatabase(file);
  t.teardown(() => {
    hubDb.close();
    cliDb.close();
    cleanup();
  });
  return { hubDb, cliDb };
}

t.test('a post added or re-keyed elsewhere takes effect at once', async (t) => {
  const { hubDb, cliDb } = twoConnections(t);
  const running = new PostRegistry(hubDb);
  const cli = new PostRegistry(cliDb);
  const first = cli.register('iquitos-3');
  t.equal(running.isKnown('iquitos-3'), true, 'known without a restart');
  t.equal(await running.verify('iquitos-3', first), 'ok');
  t.equal(running.verifyCached('iquitos-3', first), true, 'a verified password is answered without scrypt');
  t.same(running.credentialChanges(), [], 'a new post had no session to cut');
  t.same(running.credentialChanges(), [], 'asking again is cheap and still nothing');
  const second = cli.register('iquitos-3');
  t.equal(running.verifyCached('iquitos-3', first), false, 'the cache does not outlive a re-key');
  t.equal(await running.verify('iquitos-3', first), 'wrong', 'a replaced password stops working at once, cache or not');
  t.equal(await running.verify('iquitos-3', second), 'ok');
  t.equal(await running.verify('nobody', second), 'unknown');
  t.same(running.credentialChanges(), ['iquitos-3'], 'the re-key in the other process is noticed');
  t.same(running.credentialChanges(), [], 'once');
});

t.test('a revoked post keeps its row, loses its credential, and comes back only when reinstated', async (t) => {
  const { hubDb, cliDb } = twoConnections(t);
  // The registry's clock, stopped at the moment the test starts.
  const AT = Date.now();
  const clock = { now: () => AT };
  const atIso = new Date(AT).toISOString();
  const running = new PostRegistry(hubDb, clock);
  const cli = new PostRegistry(cliDb, clock);
  const pw = cli.register('huanta-1', 'Puesto Huanta');
  cli.register('huanta-2');
  t.equal(await running.verify('huanta-1', pw), 'ok');
  t.equal(running.isKnown('huanta-1'), true);
  t.same(cli.revoke('huanta-1'), { revokedAt: atIso, already: false });
  t.same(cli.revoke('huanta-1'), { revokedAt: atIso, already: true }, 'revoking twice changes nothing');
  t.throws(() => cli.revoke('nobody'), { code: 'CHASQUI_ERR_NOT_FOUND' });
  t.same(running.credentialChanges(), ['huanta-1'], 'the running hub notices the revocation of a post it never polled before');
  t.equal(running.isKnown('huanta-1'), false, 'its messages are no longer accepted');
  t.equal(running.isRevoked('huanta-1'), true);
  t.equal(running.verifyCached('huanta-1', pw), false);
  t.equal(await running.verify('huanta-1', pw), 'revoked', 'its password no longer opens the broker');
  t.match(running.list(), [{ postId: 'huanta-1', name: 'Puesto Huanta', revokedAt: atIso }, { postId: 'huanta-2', revokedAt: null }], 'kept for history');
  t.equal(running.mosquittoLines().length, 1, 'and gone from the Mosquitto password file');
  t.equal(running.mosquittoLines()[0]?.startsWith('huanta-2:'), true);
  const row = hubDb.prepare("SELECT password_hash, mosquitto_line FROM posts WHERE post_id = 'huanta-1'").get();
  t.same(row, { password_hash: '', mosquitto_line: '' }, 'no hash of the old password is kept');
  t.throws(() => cli.register('huanta-1'), { code: 'CHASQUI_ERR_POST_REVOKED' }, 'add-post alone does not bring it back');
  const again = cli.register('huanta-1', undefined, undefined, { reinstate: true });
  t.same(running.credentialChanges(), ['huanta-1']);
  running.register('huanta-2');
  t.same(running.credentialChanges(), ['huanta-2'], 'a re-key through the same connection counts too');
  t.equal(await running.verify('huanta-1', again), 'ok', 'reinstated with a new password');
  t.equal(await running.verify('huanta-1', pw), 'wrong', 'never with the old one');
  t.equal(running.isKnown('huanta-1'), true);
});

t.test('a revocation committed while a password is being checked wins', async (t) => {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'h.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  const reg = new PostRegistry(db);
  const pw = reg.register('lamas-1');
  const pending = reg.verify('lamas-1', pw);
  reg.revoke('lamas-1');
  t.equal(await pending, 'revoked');
});

t.test('ids that would collide with the hub are refused', async (t) => {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'h.sqlite'));
  t.teardown(() => {
    db.close();
    cleanup();
  });
  const reg = new PostRegistry(db);
  for (const id of ['hub', 'chasqui-hub', 'Post A', 'a/b', '']) t.throws(() => reg.register(id), { code: 'CHASQUI_ERR_BAD_REQUEST' }, id);
});
