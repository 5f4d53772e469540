/**
 * Every page of both apps, walked in Chromium on a real post and hub: the
 * security headers are on each response (pages, refusals, 404s, static
 * files), and the browser reports no Content-Security-Policy violation.
 */
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { chromiumSkip, launchBrowser, phonePage } from '../support/browser.js';
import { tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';

const POST_PAGES = ['/entrar', '/', '/pacientes', '/pacientes/nuevo', '/casos', '/mensajes', '/dispositivos', '/no-such-page', '/static/app.css'];
const HUB_PAGES = ['/entrar', '/', '/cola', '/casos', '/enlaces', '/no-such-page', '/static/base/base.css'];

function checkHeaders(t: Test, name: string, h: Record<string, string>): void {
  const csp = h['content-security-policy'] ?? '';
  t.match(csp, /script-src 'self'(;|$)/, `${name}: CSP, scripts from files only`);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, `${name}: nothing inline`);
  t.match(csp, /frame-ancestors 'none'/, `${name}: not framed`);
  t.equal(h['x-content-type-options'], 'nosniff', `${name}: nosniff`);
  t.equal(h['x-frame-options'], 'DENY', `${name}: X-Frame-Options`);
  t.equal(h['referrer-policy'], 'same-origin', `${name}: referrer policy`);
  t.equal(h['strict-transport-security'], undefined, `${name}: no HSTS over plain HTTP`);
}

async function walk(t: Test, page: Page, base: string, paths: string[], violations: string[]): Promise<void> {
  for (const p of paths) {
    const res = await page.goto(base + p);
    t.ok(res, p);
    if (res) checkHeaders(t, p, await res.allHeaders());
  }
  t.same(violations, [], 'no CSP violation reported by Chromium');
}

t.test('every page of the post and the hub carries the headers, and breaks no CSP rule', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta-cabecera' });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'admin' });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  for (const [app, server, user, secret, paths] of [
    ['post', post.app, 'rosa', 'ucayali-2026', POST_PAGES],
    ['hub', hub.app, 'dra.quispe', 'corazon-andino-7', HUB_PAGES],
  ] as const) {
    const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    const { page } = await phonePage(browser);
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await page.goto(`${base}/entrar`);
    await page.fill('[name=username]', user);
    await page.fill('[name=secret]', secret);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/entrar')), page.click('form button')]);
    await t.test(app, async (t) => walk(t, page, base, [...paths], violations));
  }
});
