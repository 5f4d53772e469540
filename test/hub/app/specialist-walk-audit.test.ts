/**
 * A cardiologist's walk through the hub app in real headless Chromium
 * (queue → case, with its photo thumbnail and ECG viewer → photo page →
 * back to the case → FHIR export), against a real hub and post: every response that carried
 * patient data left exactly one access-log entry of its kind, and nothing
 * else was written. A revalidation (304) carries no data and leaves none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { chromiumSkip, launchBrowser } from '../../support/browser.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { ludbEcg } from '../../support/sample-cases.js';

const POST = 'posta-masisea';
const CASE = 'c-ecg';
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = { specialists: [{ id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS }] };

/** Which access-log action a response of the hub stands for, or undefined for one that carries no patient data. */
function actionOf(path: string): string | undefined {
  if (path === '/cola') return 'queue.view';
  if (path === '/casos') return 'case.list';
  if (/^\/casos\/[^/]+\/[^/]+$/.test(path)) return 'case.view';
  if (/^\/casos\/[^/]+\/[^/]+\/fotos\/\d+$/.test(path)) return 'case.photo';
  if (/^\/casos\/[^/]+\/[^/]+\/fotos\/\d+\/imagen$/.test(path)) return 'case.attachment';
  if (/^\/api\/posts\/[^/]+\/cases\/[^/]+\/attachments\/[^/]+\/ecg\.json$/.test(path)) return 'case.ecg';
  if (/^\/api\/posts\/[^/]+\/cases\/[^/]+\/attachments\/[^/]+$/.test(path)) return 'case.attachment';
  if (/^\/api\/posts\/[^/]+\/cases\/[^/]+\/fhir$/.test(path)) return 'case.export';
  return undefined;
}

t.test('queue → case → photo → ECG → FHIR: one entry per read, nothing more', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST, hub: { config: { routing: ROUTING } } });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  post.cases.submit({
    caseId: CASE, priority: 'urgent',
    body: {
      reason: 'Dolor precordial opresivo desde hace 3 horas', specialty: 'cardiology',
      patient: { names: 'Juan', surnames: 'Mamani Condori', document: { kind: 'DNI', number: '41234567' }, ageYears: 58, sex: 'M', community: 'Masisea' },
      vitals: {},
    },
    attachments: [
      { name: 'ecg-12.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: await ludbEcg() },
      { name: 'pecho.jpg', mediaType: 'image/jpeg', bytes: readFileSync(join(SHARED_DATA, 'photos/Sumo_Museum.jpg')) },
    ],
  });
  await waitFor(() => hub.router.store.get(POST, CASE), { what: 'case routed at the hub' });
  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 2000 }, locale: 'es-PE' });
  const page = await context.newPage();
  // What the browser was actually sent: each 200 with patient data should be one entry.
  const served: string[] = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    const action = url.origin === base && r.status() === 200 ? actionOf(url.pathname) : undefined;
    if (action) served.push(action);
  });
  const audit = hub.auth.audit;
  const start = audit.list({ limit: 1 })[0]?.id ?? 0;
  const count = (list: string[]) => list.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {});
  const written = () => audit.list({ afterId: start }).filter((e) => e.action !== 'session.signIn');
  /** Until every response seen so far has its entry (the log is written before the reply is sent). */
  const settled = async () => {
    await page.waitForLoadState('networkidle');
    return waitFor(() => written().length === served.length || undefined, { what: 'an entry for each read', timeoutMs: 5000 }).catch(() => undefined);
  };

  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'dra.quispe');
  await page.fill('[name=secret]', 'corazon-andino-7');
  await page.click('form button');
  await page.waitForURL(`${base}/cola`);
  await settled();
  t.same(count(written().map((e) => e.action)), { 'queue.view': 1 }, 'the queue: one entry');

  await page.click('table.queue a');
  await page.waitForURL(new RegExp(`/casos/${POST}/${CASE}$`));
  await page.locator('canvas').first().waitFor({ timeout: 15_000 });
  await page.locator('.photos img').first().evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
  await settled();
  t.same(count(written().map((e) => e.action)), { 'queue.view': 1, 'case.view': 1, 'case.attachment': 1, 'case.ecg': 1 }, 'the case: one view, its thumbnail, its ECG data');

  await page.click('.photos a');
  await page.waitForURL(/\/fotos\/1$/);
  await settled();
  const afterPhoto = count(written().map((e) => e.action));
  t.equal(afterPhoto['case.photo'], 1, 'the photo page: one entry');

  // Back to the case (a second view, a second entry), then its FHIR export.
  await page.click('.photo-nav a');
  await page.waitForURL(new RegExp(`/casos/${POST}/${CASE}$`));
  await page.locator('canvas').first().waitFor({ timeout: 15_000 });
  await settled();
  t.equal(count(written().map((e) => e.action))['case.view'], 2, 'the case again: one more view');
  await page.click('a[href$="/fhir"]');
  await page.waitForURL(/\/fhir$/);
  await settled();
  t.equal(count(written().map((e) => e.action))['case.export'], 1, 'the FHIR export: one entry');

  const entries = written();
  t.same(count(entries.map((e) => e.action)), count(served), 'exactly one entry for each response that carried patient data, and no other');
  t.ok(entries.every((e) => e.actor === 'dra.quispe' && e.outcome === 'allowed' && e.from === '127.0.0.1'), 'each by her, allowed, with where from');
  t.ok(entries.every((e) => !e.target || e.target === `${POST}/${CASE}`), 'each names the case by id');
  t.notMatch(JSON.stringify(entries), /Mamani|41234567/, 'no name or document number in the log');
});
