/**
 * A nurse's walk through the post app in real headless Chromium (home →
 * search → patient → case with its thumbnail → photo → messages → an answer
 * → its print page → the case list), against a real post and hub: every
 * response that carried patient data left exactly one access-log entry of its
 * kind, by her, from her address, naming rows by id; nothing else was written.
 */
import t from 'tap';
import { chromiumSkip, launchBrowser } from '../../support/browser.js';
import { waitFor } from '../../support/wait.js';
import { wordsScenario } from '../../support/words-scenario.js';
import { PATIENT } from './nurse-app.js';

/** Which access-log action a response of the post stands for, or undefined for one that carries no patient data. */
function actionOf(path: string, search: string): string | undefined {
  if (path === '/pacientes') return search.includes('q=') ? 'patient.search' : 'patient.list';
  if (/^\/pacientes\/[0-9a-f-]{36}$/.test(path)) return 'patient.view';
  if (path === '/casos') return 'case.list';
  if (/^\/casos\/[0-9a-f-]{36}$/.test(path)) return 'case.view';
  if (/^\/fotos\/[^/]+\/miniatura$/.test(path)) return 'photo.thumbnail';
  if (/^\/fotos\/[^/]+$/.test(path)) return 'photo.view';
  if (path === '/mensajes') return 'message.list';
  if (/^\/mensajes\/[^/]+\/imprimir$/.test(path)) return 'message.print';
  if (/^\/mensajes\/[^/]+$/.test(path)) return 'message.read';
  return undefined;
}

const count = (list: string[]) => list.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {});

t.test('search → patient → case → photo → messages → print: one entry per read, nothing more', { skip: chromiumSkip() }, async (t) => {
  const s = await wordsScenario(t);
  const { post, ids } = s;
  const base = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 412, height: 915 }, locale: 'es-PE' })).newPage();
  const served: string[] = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    const action = url.origin === base && r.status() === 200 ? actionOf(url.pathname, url.search) : undefined;
    if (action) served.push(action);
  });
  const audit = post.auth.audit;
  const start = audit.list({ limit: 1 })[0]?.id ?? 0;
  const written = () => audit.list({ afterId: start }).filter((e) => e.action !== 'session.signIn');
  const settled = async () => {
    await page.waitForLoadState('networkidle');
    await waitFor(() => written().length === served.length || undefined, { what: 'an entry for each read', timeoutMs: 5000 }).catch(() => undefined);
    return count(written().map((e) => e.action));
  };

  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'rosa');
  await page.fill('[name=secret]', 'ucayali-2026');
  await page.click('form button');
  await page.waitForURL(`${base}/`);
  t.same(await settled(), {}, 'the home page shows counts, no patient: no entry');

  await page.fill('#q', 'Quispe');
  await page.click('form[role=search] button');
  await page.waitForURL(/\/pacientes\?q=Quispe/);
  t.same(await settled(), { 'patient.search': 1 }, 'the search: one entry');

  await page.click(`a[href="/pacientes/${ids.patient}"]`);
  await page.waitForURL(new RegExp(`/pacientes/${ids.patient}$`));
  t.same(await settled(), { 'patient.search': 1, 'patient.view': 1 }, 'the patient: one entry');

  await page.click(`a[href="/casos/${ids.sent}"]`);
  await page.waitForURL(new RegExp(`/casos/${ids.sent}$`));
  await page.locator('.thumbs img').first().evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
  const afterCase = await settled();
  t.equal(afterCase['case.view'], 1, 'the case: one view');
  t.equal(afterCase['photo.thumbnail'], 1, 'and its thumbnail: one entry');

  await page.click('.thumbs a');
  await page.waitForURL(/\/fotos\/[^/]+$/);
  t.equal((await settled())['photo.view'], 1, 'the photo: one entry');

  await page.goto(`${base}/mensajes`);
  t.equal((await settled())['message.list'], 1, 'the messages: one entry');
  await page.click(`a[href="/mensajes/${ids.answer}"]`);
  await page.waitForURL(new RegExp(`/mensajes/${ids.answer}$`));
  t.equal((await settled())['message.read'], 1, 'the answer: one entry');
  await page.click(`a[href="/mensajes/${ids.answer}/imprimir"]`);
  await page.waitForURL(/\/imprimir$/);
  t.equal((await settled())['message.print'], 1, 'its print page: one entry');

  await page.goto(`${base}/casos`);
  t.equal((await settled())['case.list'], 1, 'the case list: one entry');

  const entries = written();
  t.same(count(entries.map((e) => e.action)), count(served), 'exactly one entry for each response that carried patient data, and no other');
  t.ok(entries.every((e) => e.actor === 'rosa' && e.outcome === 'allowed' && e.from === '127.0.0.1'), 'each by her, allowed, with where from');
  const text = JSON.stringify(entries);
  t.notMatch(text, new RegExp(`${PATIENT.surnames}|${PATIENT.docNumber}|Quispe`), 'no name, document number or search text in the log');
  t.match(entries.find((e) => e.action === 'patient.search')!.detail, { shown: [ids.patient], count: 1 }, 'the search names the rows it showed, by id');
});
