/**
 * A specialist's work end to end in real headless Chromium, against a real
 * hub and post: a case with a real 12-lead ECG is routed to cardiology; the
 * cardiologist finds it in the queue, opens it (the access log shows it; the
 * post is told it was seen), reads the ECG in the standard layout, answers
 * with an ICD-10 diagnosis; the nurse reads it and the specialist sees the
 * read receipt. A dermatologist cannot open the case, by page or by API.
 */
import t from 'tap';
import type { Nurse } from '../../../node/auth/nurse.js';
import { chromiumSkip, launchBrowser, screenshot } from '../../support/browser.js';
import { tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { ludbEcg } from '../../support/sample-cases.js';

const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = {
  specialists: [
    { id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS },
    { id: 'dr.vargas', name: 'Dr. Luis Vargas', specialties: ['dermatology'], hours: ALWAYS },
  ],
};
const NURSE: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Huamán', role: 'nurse' };

t.test('route, queue, review with the ECG viewer, answer, receipts; another specialty is refused', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta-masisea', hub: { config: { routing: ROUTING } } });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  await hub.auth.accounts.create({ username: 'dr.vargas', displayName: 'Dr. Luis Vargas', role: 'specialist', kind: 'password', secret: 'piel-sana-2026', data: { specialties: ['dermatology'] } });
  post.cases.submit({
    caseId: 'c-ecg', priority: 'urgent',
    body: {
      reason: 'Dolor precordial opresivo desde hace 3 horas', history: 'Varón de 58 años, fumador.', specialty: null,
      patient: { names: 'Juan', surnames: 'Mamani Condori', document: { kind: 'DNI', number: '41234567' }, ageYears: 58, sex: 'M', community: 'Masisea' },
      vitals: { systolic: { value: 168, unit: 'mmHg', flag: 'high' }, pulse: { value: 48, unit: '/min', flag: 'low' }, spo2: { value: 96, unit: '%' } },
    },
    attachments: [{ name: 'ecg-12.cqe', mediaType: 'application/vnd.chasqui.ecg', bytes: await ludbEcg() }],
  });
  await waitFor(() => hub.router.store.get('posta-masisea', 'c-ecg'), { what: 'case routed at the hub' });
  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'es-PE' });
  const page = await context.newPage();
  const signIn = async (user: string, secret: string) => {
    await page.goto(`${base}/entrar`);
    await page.fill('[name=username]', user);
    await page.fill('[name=secret]', secret);
    await page.click('form button');
  };

  await signIn('dra.quispe', 'corazon-andino-7');
  await page.waitForURL(`${base}/cola`);
  t.match(await page.textContent('table.queue'), /Mamani Condori/);
  t.match(await page.textContent('table.queue'), /Urgente/);
  await screenshot(page, 'hub-queue');
  await page.click('table.queue a');
  await page.waitForURL(/\/casos\/posta-masisea\/c-ecg/);
  await page.locator('canvas').first().waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  t.match(await page.textContent('main'), /Alto/, 'out-of-range vitals are flagged');
  t.match(await page.textContent('section.routing'), /Cardiología: el caso trae un ECG/, 'why the case came here');
  await screenshot(page, 'hub-case-review');
  t.ok(hub.auth.audit.list({ actor: 'dra.quispe' }).some((e) => e.action === 'case.view' && e.target === 'posta-masisea/c-ecg'), 'the view is in the access log');
  t.ok(hub.router.store.get('posta-masisea', 'c-ecg')?.openedAt, 'opened: the service-level clock stops');
  await waitFor(() => post.threads.byCase('c-ecg').some((m) => m.type === 'seen'), { what: '"seen" at the post' });

  await page.fill('#assessment', 'Bradicardia sinusal con signos de hipertrofia ventricular izquierda.');
  await page.fill('[name=dx0code]', 'pecho');
  await page.click('.answer-form button');
  t.match(await page.textContent('#dx0code-desc'), /no es un código de la CIE-10/, 'a bad ICD-10 code is refused next to its field, the form keeps what was typed');
  t.equal(await page.inputValue('#assessment'), 'Bradicardia sinusal con signos de hipertrofia ventricular izquierda.');
  await page.fill('[name=dx0code]', 'R00.1');
  await page.fill('[name=dx1code]', 'I51.7');
  await page.fill('#treatment', 'Reposo. No dar betabloqueantes.');
  await page.check('[name=refer]');
  await page.fill('[name=referWhere]', 'Hospital Amazónico de Yarinacocha');
  await page.selectOption('[name=referUrgency]', 'urgent');
  await page.click('.answer-form button');
  await page.waitForURL(/ok=1/);
  const answer = await waitFor(() => post.threads.inbox().find((m) => m.type === 'answer'), { what: 'answer at the post' });
  t.match(answer.body, { diagnoses: [{ code: 'R001', description: 'Bradicardia, no especificada' }, { code: 'I517', description: 'Cardiomegalia' }], referral: { needed: true, urgency: 'urgent' } });
  t.ok(hub.router.store.get('posta-masisea', 'c-ecg')?.answeredAt);
  post.threads.read(answer.id, NURSE);
  await waitFor(async () => (await page.reload(), /leído por Rosa Huamán/.test((await page.textContent('main')) ?? '')), { what: 'read receipt shown to the specialist' });
  await screenshot(page, 'hub-case-answered');

  await context.clearCookies();
  await signIn('dr.vargas', 'piel-sana-2026');
  const other = await page.goto(`${base}/casos/posta-masisea/c-ecg`);
  t.equal(other?.status(), 403, 'a dermatologist cannot open a cardiology case');
  const api = await page.goto(`${base}/api/posts/posta-masisea/cases/c-ecg/attachments/ecg-12.cqe/ecg.json`);
  t.equal(api?.status(), 403, 'nor its ECG through the API');
  t.ok(hub.auth.audit.list({ actor: 'dr.vargas' }).some((e) => e.action === 'access.denied'), 'the refusal is in the access log');
  t.equal((await page.goto(`${base}/cola`))?.status(), 200);
  t.notMatch(await page.textContent('main'), /Mamani/, 'and it is not in his queue');
});
