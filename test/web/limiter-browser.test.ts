/**
 * An attacker guessing the nurse's password from another address (many
 * wrong tries for her name) does not lock her out: she signs in from her
 * own phone in Chromium at once. The attacker is made to wait.
 */
import t from 'tap';
import { chromiumSkip, launchBrowser, phonePage } from '../support/browser.js';
import { tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';

t.test('a flood of wrong passwords for her name from another address does not lock the nurse out', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { post } = await startPair(t, { dir, postId: 'posta-limite' });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'admin' });
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await post.app.inject({ method: 'POST', url: '/entrar', remoteAddress: '192.168.1.66', payload: { username: 'rosa', secret: `adivina-${i}`, volver: '/' } });
    statuses.push(res.statusCode);
  }
  t.same(statuses.slice(0, 3), [200, 200, 200], 'three wrong tries are answered');
  t.ok(statuses.slice(3).every((s) => s === 429), 'then the attacker waits');
  const base = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { context, page } = await phonePage(browser);
  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'rosa');
  await page.fill('[name=secret]', 'ucayali-2026');
  await Promise.all([page.waitForURL(`${base}/`), page.click('form button')]);
  t.ok((await context.cookies()).some((c) => c.name === 'chasqui_sesion'), 'the nurse is signed in');
});
