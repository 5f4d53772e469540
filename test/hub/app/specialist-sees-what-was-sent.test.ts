/**
 * The specialist's side of issue 10 in real headless Chromium against a real
 * hub and post: a photo opens in the page at full resolution as image/jpeg
 * and zooms; what is typed in the counter-reference survives a reload and a
 * session that ended while typing; a double tap and five reloads of the
 * result send one counter-reference, which the thread shows whole; the
 * nurse's reply marks the case in the queue and the case list until opened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import type { Nurse } from '../../../node/auth/nurse.js';
import { TransferKind } from '../../../protocol/priority.js';
import { chromiumSkip, launchBrowser, screenshot } from '../../support/browser.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { skinCase } from '../../support/sample-cases.js';

const POST = 'posta-iparia';
const CASE = 'c-piel';
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = { specialists: [{ id: 'dr.vargas', name: 'Dr. Luis Vargas', specialties: ['dermatology'], hours: ALWAYS }] };
const NURSE: Nurse = { id: 'n1', username: 'rosa', displayName: 'Rosa Huamán', role: 'nurse' };
const TYPED = {
  assessment: 'Lesión pigmentada de bordes regulares; compatible con queratosis seborreica.',
  dx0code: 'L82X',
  treatment: 'Ninguno por ahora. Protector solar.',
  recommendations: 'Fotografiar la lesión con regla en cada control.',
  referWhere: 'Hospital Amazónico de Yarinacocha',
  followUp: '2027-01-15',
};

t.test('photos inline with zoom; the answer survives a reload and a re-login, is sent once and shown whole; a reply is marked', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST, hub: { config: { routing: ROUTING } } });
  await hub.auth.accounts.create({ username: 'dr.vargas', displayName: 'Dr. Luis Vargas', role: 'specialist', kind: 'password', secret: 'piel-sana-2026', data: { specialties: ['dermatology'] } });
  post.cases.submit(skinCase(CASE, readFileSync(join(SHARED_DATA, 'photos/Sumo_Museum.jpg'))));
  await waitFor(() => hub.router.store.get(POST, CASE), { what: 'case routed at the hub' });
  const stored = hub.cases.blobs.get(hub.cases.find(POST, CASE)!.attachments[0]!.sha256)!;
  const { width: storedWidth } = await sharp(stored).metadata();
  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const casePath = `/casos/${POST}/${CASE}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'es-PE' });
  const page = await context.newPage();
  const signIn = async () => {
    await page.fill('[name=username]', 'dr.vargas');
    await page.fill('[name=secret]', 'piel-sana-2026');
    await page.click('form button');
  };
  await page.goto(`${base}/entrar`);
  await signIn();
  await page.waitForURL(`${base}/cola`);
  await page.click('table.queue a');
  await page.waitForURL(`${base}${casePath}`);

  // The photo: a tap opens it in the page, as the JPEG it is, at full resolution, and it zooms.
  const imageResponse = page.waitForResponse((r) => r.url().endsWith('/fotos/1/imagen'));
  await page.click('.photos a');
  await page.waitForURL(`${base}${casePath}/fotos/1`);
  // The thumbnail already brought it into the browser's cache: the viewer revalidates it (304) and shows it.
  t.ok([200, 304].includes((await imageResponse).status()), 'the viewer asked the hub for the photo again');
  const res = await context.request.get(`${base}${casePath}/fotos/1/imagen`);
  t.equal(res.headers()['content-type'], 'image/jpeg', 'served as image/jpeg');
  t.equal(res.headers()['x-content-type-options'], 'nosniff');
  t.match(res.headers()['content-disposition'], /^inline; filename="c-piel-1\.jpg"/, 'inline, with a name and an extension');
  await page.locator('.photo-tools:not([hidden])').waitFor();
  const naturalWidth = await page.$eval('img.photo-full', (img) => (img as unknown as { naturalWidth: number }).naturalWidth);
  t.equal(naturalWidth, storedWidth, `the full resolution the hub holds (${storedWidth} px)`);
  const drawn = () => page.$eval('img.photo-full', (img) => img.getBoundingClientRect().width);
  const fitted = await drawn();
  t.ok(fitted < naturalWidth && fitted <= 1366, `fitted to the screen first (${Math.round(fitted)} px)`);
  await page.click('[data-zoom=in]');
  t.ok(Math.abs((await drawn()) - fitted * 1.5) < 2, 'zoom in: 1.5 times larger');
  await page.click('[data-zoom=actual]');
  t.equal(Math.round(await drawn()), naturalWidth, '1:1 shows every pixel');
  t.equal(await page.textContent('.photo-scale'), '100 %');
  const stage = page.locator('.photo-stage');
  const box = (await stage.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 100, { steps: 5 });
  await page.mouse.up();
  t.ok(await stage.evaluate((el) => el.scrollLeft > 0 && el.scrollTop > 0), 'dragging pans the zoomed photo');
  await page.click('[data-zoom=fit]');
  t.ok(Math.abs((await drawn()) - fitted) < 2, 'and back to fit');
  await screenshot(page, 'hub-photo-viewer');
  await page.click('.photo-nav a');
  await page.waitForURL(`${base}${casePath}`);

  // Typing, then a reload: nothing is lost.
  const fill = async () => {
    for (const [name, value] of Object.entries(TYPED)) await page.fill(`[name=${name}]`, value);
    await page.check('[name=refer]');
    await page.selectOption('[name=referUrgency]', 'urgent');
  };
  const expectTyped = async (when: string) => {
    for (const [name, value] of Object.entries(TYPED)) t.equal(await page.inputValue(`[name=${name}]`), value, `${when}: ${name} kept`);
    t.ok(await page.isChecked('[name=refer]'), `${when}: referral kept`);
    t.equal(await page.inputValue('[name=referUrgency]'), 'urgent', `${when}: urgency kept`);
  };
  await fill();
  await page.reload();
  await expectTyped('after a reload');
  t.ok(await page.isVisible('.draft-restored'), 'the specialist is told the draft came back');

  // The session ends while the answer is being written; sending it leads to sign in and back to the case, text intact.
  const cookie = (await context.cookies()).find((c) => c.name === 'chasqui_sesion')!;
  t.ok(hub.auth.sessions.revoke(cookie.value), 'the session is over');
  await page.fill('[name=recommendations]', TYPED.recommendations);
  await page.click('.answer-form button');
  await page.waitForURL(/\/entrar\?.*vencio=1/);
  t.equal(hub.threads.thread(POST, CASE).filter((m) => m.type === 'answer').length, 0, 'nothing was sent without a session');
  await signIn();
  await page.waitForURL(`${base}${casePath}`);
  await expectTyped('after the session ended and he signed back in');

  // A double tap, then five reloads of the result: one counter-reference down to the post.
  await page.dblclick('.answer-form button');
  await page.locator('.flash.ok').waitFor();
  for (let i = 0; i < 5; i++) await page.reload();
  const queued = hub.db.prepare('SELECT count(*) FROM outbox_transfers WHERE peer = ? AND kind = ?').pluck().get(POST, TransferKind.counterReference);
  t.equal(queued, 1, 'one counter-reference in the hub\'s outbox');
  const atPost = await waitFor(() => post.threads.inbox().find((m) => m.type === 'answer'), { what: 'answer at the post' });
  await waitFor(() => hub.threads.thread(POST, CASE).find((m) => m.type === 'answer')?.deliveredAt, { what: 'delivered' });
  t.equal(post.threads.inbox().filter((m) => m.type === 'answer').length, 1, 'and one at the post');
  t.equal(await page.inputValue('#assessment'), '', 'once sent, the draft is gone: the form is empty again');
  await page.fill('#question', '¿Tiene fotos de la lesión de hace un mes?');
  await page.reload();
  t.equal(await page.inputValue('#question'), '¿Tiene fotos de la lesión de hace un mes?', 'a new draft typed on the result page survives its reload');

  // The thread shows what was sent, whole.
  const msg = page.locator('article.msg.answer');
  t.match(await msg.locator('.assessment').textContent(), TYPED.assessment);
  t.match(await msg.locator('.diagnoses').textContent(), /L82X\s+Queratosis seborreica/);
  t.match(await msg.locator('.treatment').textContent(), TYPED.treatment);
  t.match(await msg.locator('.recommendations').textContent(), TYPED.recommendations);
  t.match(await msg.locator('.referral').textContent(), 'Referir a Hospital Amazónico de Yarinacocha (Urgente)');
  t.match(await msg.locator('.follow-up').textContent(), '2027-01-15');
  await screenshot(page, 'hub-thread-whole');

  // The nurse replies: the queue and the case list say so, until the case is opened.
  post.threads.reply(atPost.id, 'Gracias, doctor. Le tomo la foto con regla en el control.', NURSE);
  await waitFor(() => hub.threads.thread(POST, CASE).some((m) => m.direction === 'up'), { what: 'reply at the hub' });
  await page.goto(`${base}/cola`);
  t.match(await page.textContent('section.replies'), /Nuevo mensaje de la posta/, 'the queue marks the case');
  await page.goto(`${base}/casos`);
  t.match(await page.textContent('tr.unread'), /Nuevo mensaje de la posta/, 'so does the case list');
  await screenshot(page, 'hub-cases-new-message');
  await page.click('tr.unread a');
  t.match(await page.textContent('article.msg.up'), /foto con regla/, 'the reply is in the thread');
  await page.goto(`${base}/cola`);
  t.equal(await page.locator('.badge.new-message').count(), 0, 'opened: the mark is gone');

  // Signing out of a shared computer leaves no clinical text behind in the browser.
  await page.goto(`${base}${casePath}`);
  await page.fill('#assessment', 'Borrador que no debe quedar en esta computadora.');
  await page.click('form[action="/salir"] button');
  await page.waitForURL(/salio=1/);
  t.equal(await page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('chasqui.hub.draft.')).length"), 0, 'sign-out clears every draft');
  await signIn();
  await page.goto(`${base}${casePath}`);
  t.equal(await page.inputValue('#assessment'), '', 'and the form starts empty');
});
