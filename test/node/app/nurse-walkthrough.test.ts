/**
 * A nurse's whole visit in real headless Chromium on a phone-sized screen,
 * against a real post and hub on loopback, with an emulated ECG board on a
 * pty behind a real bridge: sign in, register a patient, enter vitals (an
 * impossible one first), add a real photo and a real ECG record, record a
 * live ECG, send, watch the case reach the hub, then read the specialist's
 * answer, print it, and answer the question in the same thread.
 * Screenshots of every main page go to .tmp/screenshots.
 */
import { join } from 'node:path';
import t from 'tap';
import { buildBridge } from '../../../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema } from '../../../firmware-bridge/bridge/config.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { cytonEmulatorFromWfdb } from '../../../firmware-bridge/emulators/openbci-cyton-emulator.js';
import { startPtyDevice } from '../../../firmware-bridge/emulators/pty-device.js';
import { loadConfig } from '../../../lib/config.js';
import { chromiumSkip, launchBrowser, phonePage, screenshot } from '../../support/browser.js';
import { quietLogger } from '../../support/logger.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

const AUTHOR = { name: 'Dra. Carmen Quispe', specialty: 'cardiology', username: 'cquispe' };

t.test('a nurse builds a case, sends it, reads and prints the answer, replies', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const emulator = cytonEmulatorFromWfdb(await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea')));
  const pty = await startPtyDevice(emulator);
  t.teardown(() => pty.stop());
  const bridge = buildBridge({
    config: loadConfig(BridgeConfigSchema, { overrides: { http: { port: 0 }, ports: [{ id: 'ecg', path: pty.path, protocol: 'openbci-cyton' }] } }),
    logger: quietLogger(),
  });
  const { url: bridgeUrl } = await bridge.start();
  t.teardown(() => bridge.stop());
  const { hub, post } = await startPair(t, { dir, postId: 'posta-yarinacocha', post: { bridgeUrl } });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  const address = post.app.server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;

  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { page } = await phonePage(browser);
  const go = (path: string) => page.goto(base + path);

  await t.test('sign in (a wrong password first)', async (t) => {
    await go('/');
    t.match(page.url(), /\/entrar\?volver=/);
    await screenshot(page, '01-sign-in');
    await page.fill('[name=username]', 'rosa');
    await page.fill('[name=secret]', 'wrong-password');
    await page.click('form button');
    t.equal(await page.locator('[role=alert]').count() > 0, true, 'an error is shown');
    await page.fill('[name=username]', 'rosa');
    await page.fill('[name=secret]', 'ucayali-2026');
    await page.click('form button');
    await page.waitForURL(base + '/');
    t.match(await page.textContent('h1'), /Rosa Huamán/);
    await screenshot(page, '02-home');
  });

  let caseUrl = '';
  await t.test('register a patient and open a case', async (t) => {
    await go('/pacientes/nuevo');
    await page.fill('[name=names]', 'María Elena');
    await page.fill('[name=surnames]', 'Huamán Ríos');
    await page.fill('[name=docNumber]', '4512345');
    await page.fill('[name=birthDate]', '1961-03-14');
    await page.selectOption('[name=sex]', 'F');
    await page.fill('[name=community]', 'San Francisco de Yarinacocha');
    await page.click('form.card button');
    t.ok(await page.locator('.field-error').count() > 0, 'a 7-digit DNI is refused next to the field');
    await page.fill('[name=docNumber]', '45123456');
    await screenshot(page, '03-patient-form');
    await page.click('form.card button');
    await page.waitForURL(/\/pacientes\/[0-9a-f-]{36}/);
    await page.click('text=/nuevo caso/i');
    await page.waitForURL(/\/casos\/[0-9a-f-]{36}/);
    caseUrl = page.url().split('?')[0]!;
  });

  await t.test('vitals: an impossible value is refused with a message, then corrected', async (t) => {
    await page.fill('[name=reason]', 'Palpitaciones y mareo desde ayer');
    await page.fill('[name=history]', 'Hipertensa, toma enalapril. Sin dolor torácico ahora.');
    await page.selectOption('[name=priority]', 'urgent');
    await page.fill('[name=systolic]', '150');
    await page.fill('[name=diastolic]', '95');
    await page.fill('[name=pulse]', '132');
    await page.fill('[name=spo2]', '104');
    await page.fill('[name=temperature]', '36,8');
    await page.click('button:has-text("Guardar")');
    t.match(await page.locator('#f-spo2 ~ .field-error, .field-error').first().textContent(), /SpO|100/);
    await page.fill('[name=spo2]', '95');
    await page.click('button:has-text("Guardar")');
    t.equal(await page.locator('.field-error').count(), 0);
  });

  await t.test('a real photo and a real ECG record are attached; a live ECG is recorded', async (t) => {
    await page.setInputFiles('[name=photos]', join(SHARED_DATA, 'photos/canon_hdr_NO.jpg'));
    await page.click('#fotos button:has-text("Subir")');
    await page.waitForSelector('.thumbs img');
    t.equal(await page.locator('.thumbs img').count(), 1);
    await page.setInputFiles('[name=ecg]', [join(SHARED_DATA, 'ecg/mitdb/100s.hea'), join(SHARED_DATA, 'ecg/mitdb/100s.dat')]);
    await page.click('#ecg button[formenctype]');
    await page.waitForSelector('#ecg li');
    await page.click('button:has-text("Grabar un ECG ahora")'); // saves what is typed on the way
    await page.waitForURL(`${caseUrl}/ecg`);
    await page.frameLocator('iframe.monitor').locator('canvas').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1500); // let the sweep draw a few beats for the screenshot
    await screenshot(page, '04-ecg-live');
    await page.click('form.card button');
    await page.waitForURL(caseUrl + '?ok=ecg', { timeout: 40_000 });
    t.equal(await page.locator('#ecg li').count(), 2, 'the imported record and the live capture');
    await screenshot(page, '05-case-draft');
  });

  let caseId = '';
  await t.test('send, and watch it reach the hub', async (t) => {
    await page.click('button.send');
    await page.waitForURL(/ok=sent/);
    caseId = caseUrl.split('/').pop()!;
    const atHub = await waitFor(() => hub.cases.find('posta-yarinacocha', caseId), { what: 'case at the hub', timeoutMs: 30_000 });
    t.equal(atHub.attachments.length, 3, 'photo + imported ECG + captured ECG');
    t.ok(atHub.attachments.every((a) => a.mediaType === 'image/jpeg' || a.mediaType === 'application/vnd.chasqui.ecg'));
    await waitFor(async () => (await page.reload(), /entregado|delivered/i.test((await page.textContent('main')) ?? '')), { what: 'delivered shown' });
    await screenshot(page, '06-case-sent');
  });

  await t.test('the answer arrives: read, print, reply to the question', async (t) => {
    const question = hub.sendCounterReference('posta-yarinacocha', caseId, { type: 'question', author: AUTHOR, question: '¿Cuánto duran las palpitaciones?' });
    const answer = hub.sendCounterReference('posta-yarinacocha', caseId, {
      type: 'answer', author: AUTHOR, assessment: 'Taquicardia sinusal probable; ECG sin signos de isquemia aguda.',
      diagnoses: [{ code: 'R00.0', text: 'Taquicardia, no especificada' }], treatment: 'Hidratación oral. Continuar enalapril 10 mg cada 12 h.',
      recommendations: 'Control de pulso y presión cada 8 horas. Si aparece dolor torácico, referir de inmediato.',
      referral: { needed: false }, followUp: '2026-11-30',
    });
    await waitFor(() => post.threads.get(answer.id) && post.threads.get(question.id), { what: 'both messages at the post' });
    await go('/mensajes');
    t.equal(await page.locator('tr.unread').count(), 2);
    await screenshot(page, '07-inbox');
    await go(`/mensajes/${answer.id}`);
    t.match(await page.textContent('main'), /R000\s+Taquicardia, no especificada/, 'the code as HIS-MINSA writes it, with the classification\'s description');
    t.match(await page.textContent('main'), new RegExp(`Firma verificada: ${AUTHOR.name} \\(cquispe\\)`), 'who signed, as the hub\'s signed message names them');
    await screenshot(page, '08-answer');
    await go(`/mensajes/${answer.id}/imprimir`);
    t.match(await page.textContent('body'), new RegExp(`Firma verificada: ${AUTHOR.name} \\(cquispe\\)`), 'the printout names who signed too');
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    t.equal(countPdfPages(pdf), 1, 'the counter-reference prints on one page');
    await screenshot(page, '09-print');
    await page.emulateMedia({ media: 'screen' });
    await go(`/mensajes/${question.id}`);
    await page.fill('[name=text]', 'Desde ayer en la tarde, episodios de 10 minutos.');
    await page.click('form.card button');
    const reply = await waitFor(() => hub.threads.thread('posta-yarinacocha', caseId).find((m) => m.direction === 'up'), { what: 'reply at hub' });
    t.match(reply.body, { text: 'Desde ayer en la tarde, episodios de 10 minutos.', inReplyTo: question.id });
    await waitFor(() => hub.threads.thread('posta-yarinacocha', caseId).find((m) => m.id === answer.id)?.readAt, { what: 'read receipt at hub' });
    await go(caseUrl.replace(base, ''));
    t.match(await page.textContent('main'), /respondido|answered/i);
  });

  await t.test('English is one click away', async (t) => {
    await go('/');
    await page.click('a.lang:has-text("EN")');
    t.match(await page.textContent('nav'), /Patients/);
    await screenshot(page, '10-home-en');
  });
});

/** Pages in a PDF Chromium printed: one "/Type /Page" object per page (not /Pages). */
function countPdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

