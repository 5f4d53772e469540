/**
 * The nurse app on a 360 × 740 phone in real Chromium, against a real post
 * and hub and a bedside of emulated devices (12-lead ECG board, pulse
 * oximeter, blood-pressure cuff) on ptys behind a real bridge:
 * - every page fits the screen: no horizontal scroll on any of them;
 * - numbers bring up a number keyboard (DNI, every vital); required fields
 *   are marked and explained;
 * - an ECG capture shows a countdown and its button cannot be tapped twice;
 * - the oximeter's and cuff's readings show on the devices page and, with
 *   one tap, fill the draft's vitals, and are saved there.
 */
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { systemClock } from '../../../lib/clock.js';
import { LAST_PRESSURE, startBedside } from '../../support/bedside.js';
import { chromiumSkip, launchBrowser, phonePage, screenshot } from '../../support/browser.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

const PHONE = { width: 360, height: 740 };
const AUTHOR = { name: 'Dra. Carmen Quispe Mamani', specialty: 'cardiology' };

t.test('a nurse on a 360 px phone: every page fits, number keyboards, required marks, capture countdown, device readings into vitals', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  // The post runs on the system clock here, so the bridge does too, and the cuff's memory is written relative to it.
  const bedside = await startBedside(t, { clock: systemClock, lastPressureAgoMs: 60_000, ecg: true });
  const { hub, post } = await startPair(t, { dir, postId: 'posta-masisea', post: { bridgeUrl: bedside.url } });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán Ccori', kind: 'password', secret: 'ucayali-2026', role: 'admin' });
  const base = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { page } = await phonePage(browser, { viewport: PHONE });
  const go = (path: string) => page.goto(base + path);

  /** The page is no wider than the phone: nothing to scroll sideways. */
  const fits = async (name: string): Promise<void> => {
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    const wide = width > PHONE.width ? await widest(page) : '';
    t.ok(width <= PHONE.width, `${name}: ${width} px wide on a ${PHONE.width} px screen${wide}`);
    await screenshot(page, `phone-${name}`);
  };

  await go('/');
  await fits('sign-in');
  await page.fill('[name=username]', 'rosa');
  await page.fill('[name=secret]', 'ucayali-2026');
  await page.click('form button');
  await page.waitForURL(base + '/');
  await fits('home');

  let patientUrl = '';
  await t.test('the patient form: number keyboard for a DNI, required fields marked', async (t) => {
    await go('/pacientes/nuevo');
    await fits('patient-form');
    t.equal(await page.getAttribute('[name=docNumber]', 'inputmode'), 'numeric', 'a DNI brings up the number pad');
    t.equal(await page.getAttribute('[name=docNumber]', 'pattern'), '[0-9]*');
    t.equal(await page.getAttribute('[name=estimatedAgeYears]', 'inputmode'), 'numeric');
    await page.selectOption('[name=docKind]', 'CE');
    t.equal(await page.getAttribute('[name=docNumber]', 'inputmode'), null, 'a carné de extranjería has letters: the full keyboard');
    await page.selectOption('[name=docKind]', 'DNI');
    t.equal(await page.getAttribute('[name=docNumber]', 'inputmode'), 'numeric');
    const sex = page.locator('[name=sex]');
    t.equal(await sex.getAttribute('required'), '', 'sex is required');
    t.equal(await sex.getAttribute('aria-required'), 'true');
    const mark = page.locator('label[for=f-sex] .req');
    t.equal(await mark.isVisible(), true, 'the mark is visible beside "Sexo"');
    t.equal((await mark.textContent())?.trim(), '*');
    t.match(await page.locator('.req-legend').textContent(), /\*\s*Obligatorio/, 'a legend explains the mark');
    t.equal(await page.locator('label[for=f-phone] .req').count(), 0, 'an optional field carries no mark');
    await page.fill('[name=names]', 'María Guadalupe Esperanza');
    await page.fill('[name=surnames]', 'Huamán Ríos de la Cruz');
    await page.fill('[name=docNumber]', '45123456');
    await page.fill('[name=birthDate]', '1961-03-14');
    await page.selectOption('[name=sex]', 'F');
    await page.fill('[name=community]', 'Comunidad nativa San Francisco de Yarinacocha');
    await page.click('form.card button');
    await page.waitForURL(/\/pacientes\/[0-9a-f-]{36}\?ok=created/);
    patientUrl = page.url().split('?')[0]!;
    await fits('patient');
    await go('/pacientes');
    await fits('patients');
  });

  let caseUrl = '';
  await t.test('the devices page shows the oximeter and the cuff', async (t) => {
    await go('/dispositivos');
    await fits('devices');
    t.match(await page.textContent('[data-reading=pressure]'), new RegExp(`Tensiómetro Beurer BM58[\\s\\S]*${LAST_PRESSURE.systolicMmHg}/${LAST_PRESSURE.diastolicMmHg} mmHg`));
    t.match(await page.textContent('[data-reading=oximeter]'), /Oxímetro de pulso Contec CMS50[\s\S]*SpO2 9[678] %/);
    const box = await page.locator('#lecturas').boundingBox();
    t.ok(box && box.y < PHONE.height, 'the readings are on the first screen, above the ECG trace');
  });

  await t.test('one tap carries the readings into the draft\'s vitals, with number keyboards', async (t) => {
    await page.goto(patientUrl);
    await page.click('text=/nuevo caso/i');
    await page.waitForURL(/\/casos\/[0-9a-f-]{36}/);
    caseUrl = page.url().split('?')[0]!;
    for (const f of ['systolic', 'diastolic', 'pulse', 'spo2', 'respRate']) t.equal(await page.getAttribute(`[name=${f}]`, 'inputmode'), 'numeric', `${f}: number pad`);
    for (const f of ['temperature', 'weight']) t.equal(await page.getAttribute(`[name=${f}]`, 'inputmode'), 'decimal', `${f}: number pad with a decimal separator`);
    t.match(await page.textContent('#bedside'), /Presión 141\/89 mmHg/);
    await page.fill('[name=reason]', 'Palpitaciones y mareo desde ayer');
    await page.fill('[name=temperature]', '36,8');
    await page.click('button:has-text("Usar en signos vitales")');
    await page.waitForURL(/ok=deviceVitals/);
    t.equal(await page.inputValue('[name=systolic]'), '141');
    t.equal(await page.inputValue('[name=diastolic]'), '89');
    t.match(await page.inputValue('[name=spo2]'), /^9[678]$/);
    t.match(await page.inputValue('[name=pulse]'), /^(6[6-9]|7\d)$/);
    t.equal(await page.inputValue('[name=reason]'), 'Palpitaciones y mareo desde ayer', 'what was typed is kept');
    t.equal(await page.inputValue('[name=temperature]'), '36,8');
    const saved = post.drafts.get(caseUrl.split('/').pop()!)!;
    t.match(saved.vitals, { systolic: '141', diastolic: '89', temperature: '36,8' }, 'saved in the draft');
    t.equal(saved.vitals.spo2, await page.inputValue('[name=spo2]'));
  });

  await t.test('a photo, and a live ECG with a countdown and a button that cannot be tapped twice', async (t) => {
    await page.setInputFiles('[name=photos]', join(SHARED_DATA, 'photos/canon_hdr_NO.jpg'));
    await page.click('#fotos button:has-text("Subir fotos")');
    await page.waitForSelector('.thumbs img');
    await page.goto(`${caseUrl}/ecg`);
    await fits('ecg-capture');
    t.equal(await page.locator('.countdown').isVisible(), false, 'no countdown before recording');
    // While the capture's POST is under way Playwright's locators wait for the navigation to end, so the
    // page reports what it shows, as it changes, to the test.
    const seen: Array<{ disabled: boolean; hidden: boolean; text: string }> = [];
    await page.exposeFunction('reportCapture', (s: { disabled: boolean; hidden: boolean; text: string }) => void seen.push(s));
    await page.evaluate(`(() => {
      const form = document.querySelector('form[data-countdown]');
      const button = form.querySelector('button');
      const out = form.querySelector('.countdown');
      const report = () => window.reportCapture({ disabled: button.disabled, hidden: out.hidden, text: out.textContent });
      new MutationObserver(report).observe(form, { subtree: true, attributes: true, childList: true, characterData: true });
    })()`);
    const button = page.locator('form[data-countdown] button');
    const navigation = page.waitForURL(`${caseUrl}?ok=ecg`, { timeout: 60_000 });
    // A finger's tap (the touchscreen does not wait for the navigation the tap starts, as click() would).
    await button.scrollIntoViewIfNeeded();
    const box = (await button.boundingBox())!;
    const tap = () => page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await tap();
    await waitFor(() => seen.some((s) => /Faltan [0-7] s/.test(s.text)), { what: 'the countdown under 8 s', timeoutMs: 15_000 });
    await tap(); // a second tap on the disabled button must record nothing more
    await navigation;
    const counting = seen.filter((s) => !s.hidden && /Faltan \d+ s/.test(s.text));
    t.ok(counting.length > 0 && counting.every((s) => s.disabled), 'the button is disabled while the countdown shows');
    const numbers = [...new Set(counting.map((s) => Number(/Faltan (\d+) s/.exec(s.text)![1])))];
    t.ok(numbers[0]! >= 9 && numbers[0]! <= 10, `it starts at the recording's 10 s (${numbers[0]})`);
    t.same(numbers, [...numbers].sort((x, y) => y - x), `it counts down: ${numbers.join(' ')}`);
    t.ok(numbers.length >= 6, 'one step a second');
    t.ok(seen.some((s) => /Revisando la señal/.test(s.text)), 'then says the signal is being checked');
    t.equal(await page.locator('#ecg li').count(), 1, 'one recording, not two');
    await fits('case-draft');
  });

  let caseId = '';
  await t.test('sent case, case list', async () => {
    await page.click('button.send');
    await page.waitForURL(/ok=sent/);
    caseId = caseUrl.split('/').pop()!;
    await waitFor(() => hub.cases.find('posta-masisea', caseId), { what: 'case at the hub', timeoutMs: 30_000 });
    await fits('case-sent');
    await go('/casos');
    await fits('cases');
  });

  await t.test('inbox, a message, its printout, the access log', async () => {
    const answer = hub.sendCounterReference('posta-masisea', caseId, {
      type: 'answer', author: AUTHOR, assessment: 'Taquicardia sinusal probable; electrocardiograma sin signos de isquemia aguda ni alteraciones de la repolarización.',
      diagnoses: [{ code: 'R00.0', text: 'Taquicardia, no especificada' }], treatment: 'Hidratación oral. Continuar enalapril 10 mg cada 12 horas.',
      recommendations: 'Control de pulso y presión arterial cada 8 horas. Si aparece dolor torácico, referir de inmediato al hospital regional.',
      referral: { needed: false }, followUp: '2026-11-30',
    });
    await waitFor(() => post.threads.get(answer.id), { what: 'the answer at the post' });
    await go('/mensajes');
    await fits('inbox');
    await go(`/mensajes/${answer.id}`);
    await fits('message');
    await go(`/mensajes/${answer.id}/imprimir`);
    await fits('print');
    await go('/auditoria');
    await fits('audit');
  });
});

/** For a failure message: the element that sticks out furthest to the right. */
async function widest(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    let worst = { right: 0, what: '' };
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect().right;
      if (r > worst.right) worst = { right: Math.round(r), what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') };
    }
    return ' (widest: ' + worst.what + ' to ' + worst.right + ' px)';
  })()`);
}
