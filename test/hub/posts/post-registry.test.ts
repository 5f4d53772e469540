/** The registry as the running hub sees it while `chasqui hub add-post` writes from another process. */
import t from 'tap';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/sqlite.js';
import { PostRegistry } from '../../../hub/posts/post-registry.js';
import { tempDir } from '../../support/paths.js';

t.test('a post added or re-keyed elsewhere takes effect at once', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'hub.sqlite');
  const hubDb = openDatabase(file);
  const cliDb = openDatabase(file);
  t.teardown(() => {
    hubDb.close();
    cliDb.close();
    cleanup();
  });
  const running = new PostRegistry(hubDb);
  const cli = new PostRegistry(cliDb);
  const first = cli.register('iquitos-3');
  t.equal(running.isKnown('iquitos-3'), true, 'known without a restart');
  t.equal(await running.verify('iquitos-3', first), true);
  const second = cli.register('iquitos-3');
  t.equal(await running.verify('iquitos-3', first), false, 'a replaced password stops working at once, cache or not');
  t.equal(await running.verify('iquitos-3', second), true);
  t.equal(await running.verify('nobody', second), false);
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
