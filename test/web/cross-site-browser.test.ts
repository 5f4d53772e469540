/**
 * CSRF in a real Chromium: a page on another origin, and one on the same
 * host at another port (same site: SameSite=Lax let it through on main),
 * auto-submit the patient form to the nurse app. Both are refused and no
 * patient is created; the app's own form still works.
 */
import t from 'tap';
import Fastify from 'fastify';
import { chromiumSkip, launchBrowser, phonePage } from '../support/browser.js';
import { nurseApp, PATIENT } from '../node/app/nurse-app.js';

function attackPage(target: string): string {
  const fields = Object.entries(PATIENT).map(([k, v]) => `<input name="${k}" value="${v}">`).join('');
  return `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${target}/pacientes">${fields}</form></body></html>`;
}

t.test('a form on another port or origin cannot create a patient as the nurse', { skip: chromiumSkip() }, async (t) => {
  const { app, post, audit } = await nurseApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const evil = Fastify();
  evil.get('/', async (_req, reply) => reply.type('text/html').send(attackPage(base)));
  await evil.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => evil.close());
  const evilPort = (evil.server.address() as { port: number }).port;
  const count = () => (post.db.prepare('SELECT COUNT(*) AS n FROM patients').get() as { n: number }).n;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { page } = await phonePage(browser);

  for (const [name, url] of [['same site, another port', `http://127.0.0.1:${evilPort}/`], ['another origin (localhost)', `http://localhost:${evilPort}/`]] as const) {
    const before = audit.length;
    const answer = page.waitForResponse((r) => r.url() === `${base}/pacientes` && r.request().method() === 'POST');
    await page.goto(url);
    const res = await answer;
    t.equal(res.status(), 403, `${name}: refused`);
    await page.waitForSelector('[data-code="CHASQUI_ERR_CROSS_SITE"]');
    t.equal(count(), 0, `${name}: no patient created`);
    t.same(audit.slice(before).map((e) => [e.action, e.outcome]), [['request.crossSite', 'refused']], `${name}: recorded once`);
  }

  await page.goto(`${base}/pacientes/nuevo`);
  for (const [k, v] of Object.entries(PATIENT)) {
    const el = page.locator(`[name=${k}]`);
    if (await el.evaluate((e) => e.tagName) === 'SELECT') await el.selectOption(v);
    else if ((await el.getAttribute('type')) === 'radio') await page.check(`[name=${k}][value="${v}"]`);
    else await el.fill(v);
  }
  await Promise.all([page.waitForURL(/\/pacientes\/[0-9a-f-]{36}\?ok=created$/), page.click('form[action="/pacientes"] button[type=submit], form[action="/pacientes"] button')]);
  t.equal(count(), 1, 'the app\'s own form still creates the patient');
});
