/**
 * The operator's dashboard in real headless Chromium: posts in different
 * states — one online and healthy, one silent for days, one whose backlog
 * keeps growing with a case stuck for more than a day, one never heard
 * from — shown with the right flags, flagged ones first; a revoked post
 * shown last, marked, never flagged; a specialist may not open it. Screenshot for review.
 */
import t from 'tap';
import { chromiumSkip, launchBrowser, screenshot } from '../../support/browser.js';
import { tempDir } from '../../support/paths.js';
import { sampleHeartbeat } from '../../support/sample-heartbeat.js';
import { startHub } from '../../support/stack.js';

const HOUR = 3_600_000;

t.test('operators see every post\'s link, with silent and growing backlogs flagged', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  for (const [id, name] of [['yarinacocha-1', 'P.S. Yarinacocha'], ['masisea-2', 'P.S. Masisea'], ['iparia-3', 'P.S. Iparía'], ['tiruntan-4', 'P.S. Tiruntán'], ['aguaytia-5', 'P.S. Aguaytía']]) hub.posts.register(id!, name);
  // A stolen box: silent for days and revoked; it must not page anyone as "silent".
  hub.links.record(sampleHeartbeat({ postId: 'aguaytia-5', at: new Date(Date.now() - 4 * 24 * HOUR).toISOString() }), Date.now() - 4 * 24 * HOUR);
  hub.posts.revoke('aguaytia-5');
  await hub.auth.accounts.create({ username: 'oscar', displayName: 'Óscar Ramírez', role: 'operator', kind: 'password', secret: 'enlaces-2026' });
  await hub.auth.accounts.create({ username: 'dra.q', displayName: 'Dra. Q', role: 'specialist', kind: 'password', secret: 'corazon-2026', data: { specialties: ['cardiology'] } });
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  // Healthy: every 5 min for two days, small backlog, steady round trip.
  for (let i = 48 * 12; i >= 0; i -= 6) {
    hub.links.record(sampleHeartbeat({ postId: 'yarinacocha-1', at: at(i * 300_000), queue: { items: i % 3, bytes: (i % 3) * 40_000, oldestQueuedAt: null },
      link: { rttMs: 600 + (i % 7) * 20, rateBps: 6000, bytesSent: 1e6 + (48 * 12 - i) * 50_000, bytesReceived: 1e4 } }), now - i * 300_000);
  }
  // Silent: last heard three days ago, nothing queued (so silent, not stuck).
  for (let i = 5; i >= 0; i--) hub.links.record(sampleHeartbeat({ postId: 'masisea-2', at: at(3 * 24 * HOUR + i * HOUR), queue: { items: 0, bytes: 0, oldestQueuedAt: null } }), now - 3 * 24 * HOUR - i * HOUR);
  // Backlog growing, oldest case queued 30 h ago.
  for (let i = 6; i >= 0; i--) {
    hub.links.record(sampleHeartbeat({ postId: 'iparia-3', at: at(i * 300_000), queue: { items: 10 - i, bytes: (10 - i) * 300_000, oldestQueuedAt: at(30 * HOUR) },
      link: { rttMs: 1400 + i * 50, rateBps: 800, bytesSent: 5e5, bytesReceived: 1e4 } }), now - i * 300_000);
  }

  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'es-PE' });
  const page = await context.newPage();
  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'oscar');
  await page.fill('[name=secret]', 'enlaces-2026');
  await page.click('form button');
  await page.waitForURL(`${base}/enlaces`);
  const flagsOf = async (post: string) => page.locator(`tr[data-post="${post}"] [data-flag]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')));
  t.same(await flagsOf('yarinacocha-1'), [], 'healthy: no flag');
  t.match(await page.textContent('tr[data-post="yarinacocha-1"]'), /en línea/);
  t.same(await flagsOf('masisea-2'), ['silent']);
  t.match(await page.textContent('tr[data-post="masisea-2"]'), /sin conexión/);
  t.same((await flagsOf('iparia-3')).sort(), ['backlogGrowing', 'stuck']);
  t.ok(await page.locator('tr[data-post="yarinacocha-1"] svg.spark').count(), 'a chart over the last days');
  t.same(await flagsOf('aguaytia-5'), [], 'a revoked post is not flagged');
  t.equal(await page.locator('tr[data-post="aguaytia-5"] [data-state="revoked"]').textContent(), 'revocado', 'a revoked post is marked');
  t.match(await page.textContent('p.card'), /revocados: 1/);
  const order = await page.locator('tr[data-post]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-post')));
  t.equal(order.indexOf('yarinacocha-1') > order.indexOf('iparia-3') && order.indexOf('yarinacocha-1') > order.indexOf('masisea-2'), true, 'flagged posts first');
  t.equal(order.at(-1), 'aguaytia-5', 'revoked posts last');
  const html = await page.content();
  t.ok(Buffer.byteLength(html) < 20_000, `the page is light: ${Buffer.byteLength(html)} bytes of HTML for 5 posts`);
  await screenshot(page, 'hub-links-dashboard');

  await context.clearCookies();
  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'dra.q');
  await page.fill('[name=secret]', 'corazon-2026');
  await page.click('form button');
  t.equal((await page.goto(`${base}/enlaces`))?.status(), 403, 'a specialist does not open the operators\' page');
});
