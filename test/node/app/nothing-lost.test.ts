/**
 * Issue 10, as a nurse on a 360×740 phone in real Chromium, against a real
 * post and hub on loopback: nothing she types is lost (a photo uploaded
 * without saving first, with and without JavaScript; a session that ended
 * while she typed; a language switch), and nothing is sent twice (a reply,
 * its result page reloaded five times, is one message at the hub).
 */
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import type { Nurse } from '../../../node/auth/nurse.js';
import type { Post } from '../../../node/post.js';
import { chromiumSkip, launchBrowser, phonePage, screenshot, SMALL_PHONE } from '../../support/browser.js';
import { SHARED_DATA, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

const POST_ID = 'posta-masisea';
const TYPED = {
  reason: 'Dolor de pecho al caminar desde hace tres días',
  history: 'Hipertenso, no toma su medicación. Padre falleció de infarto.',
  systolic: '168', diastolic: '102', pulse: '96', spo2: '94', temperature: '36,9', respRate: '20', weight: '78',
};
const VITALS = ['systolic', 'diastolic', 'pulse', 'spo2', 'temperature', 'respRate', 'weight'] as const;

async function signIn(page: Page): Promise<void> {
  await page.fill('[name=username]', 'rosa');
  await page.fill('[name=secret]', 'ucayali-2026');
  await page.click('form.signin button');
}

/** A patient and an empty draft, made through the page as the nurse would. */
async function openDraft(page: Page, base: string, doc: string): Promise<string> {
  await page.goto(`${base}/pacientes/nuevo`);
  await page.fill('[name=names]', 'Juan');
  await page.fill('[name=surnames]', 'Ahuanari Pérez');
  await page.fill('[name=docNumber]', doc);
  await page.fill('[name=birthDate]', '1958-06-02');
  await page.selectOption('[name=sex]', 'M');
  await page.fill('[name=community]', 'Masisea');
  await page.click('form.card button');
  await page.waitForURL(/\/pacientes\/[0-9a-f-]{36}\?ok=created/);
  await page.click('text=/nuevo caso/i');
  await page.waitForURL(/\/casos\/[0-9a-f-]{36}\?ok=created/);
  return new URL(page.url()).pathname;
}

async function typeAll(page: Page): Promise<void> {
  await page.fill('[name=reason]', TYPED.reason);
  await page.fill('[name=history]', TYPED.history);
  await page.selectOption('[name=priority]', 'urgent');
  for (const f of VITALS) await page.fill(`[name=${f}]`, TYPED[f]);
}

async function fieldsOnScreen(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ['reason', 'history', 'priority', ...VITALS]) out[f] = await page.inputValue(`[name=${f}]`);
  return out;
}

t.test('a nurse on a 360 px phone loses nothing she types and sends nothing twice', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST_ID });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  const base = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  async function nurse(o: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const { page } = await phonePage(browser, { viewport: SMALL_PHONE, ...o });
    await page.goto(`${base}/`);
    await signIn(page);
    await page.waitForURL(`${base}/`);
    return page;
  }

  for (const js of [true, false]) {
    await t.test(`a photo uploaded without saving first keeps every field (JavaScript ${js ? 'on' : 'off'})`, async (t) => {
      const page = await nurse({ javaScriptEnabled: js });
      const path = await openDraft(page, base, js ? '41000001' : '41000002');
      await typeAll(page);
      await page.setInputFiles('[name=photos]', join(SHARED_DATA, 'photos/canon_hdr_NO.jpg'));
      await Promise.all([page.waitForNavigation(), page.click('#fotos button:has-text("Subir fotos")')]);
      t.equal(page.url(), `${base}${path}?ok=photos`, 'Post/Redirect/Get back to the draft');
      t.match(await page.textContent('.flash'), /Fotos agregadas/);
      t.equal(await page.locator('.thumbs img').count(), 1, 'the photo is there');
      t.same(await fieldsOnScreen(page), { ...TYPED, priority: 'urgent' }, 'reason, history, Urgente and seven vitals are still there');
      const draft = post.drafts.get(path.split('/').pop()!)!;
      t.match(draft, { reason: TYPED.reason, history: TYPED.history, priority: 'urgent' }, 'and saved at the post');
      await screenshot(page, `nothing-lost-photo-js-${js ? 'on' : 'off'}`);
      await page.context().close();
    });
  }

  await t.test('the session ends while she types: after signing back in, everything typed is on the draft', async (t) => {
    const page = await nurse();
    const path = await openDraft(page, base, '41000003');
    const caseId = path.split('/').pop()!;
    await page.fill('[name=reason]', TYPED.reason);
    await page.locator('#autosave-status', { hasText: 'Guardado en la posta' }).waitFor();
    t.equal(post.drafts.get(caseId)!.reason, TYPED.reason, 'autosaved while typing');
    // The session ends on the server (idle timeout, or the post restarted its sessions).
    post.db.prepare('DELETE FROM nurse_sessions').run();
    await page.fill('[name=history]', TYPED.history);
    await page.selectOption('[name=priority]', 'urgent');
    for (const f of VITALS) await page.fill(`[name=${f}]`, TYPED[f]);
    await page.locator('#autosave-status', { hasText: 'en este teléfono' }).waitFor();
    await page.click('button:has-text("Guardar borrador")');
    await page.waitForURL(/\/entrar\?/);
    t.equal(new URL(page.url()).searchParams.get('volver'), path, 'the sign-in knows where she was');
    await signIn(page);
    await page.waitForURL(`${base}${path}`);
    await page.locator('#autosave-status', { hasText: 'Guardado en la posta' }).waitFor();
    t.same(await fieldsOnScreen(page), { ...TYPED, priority: 'urgent' }, 'back on the draft with everything typed');
    t.match(post.drafts.get(caseId)!, { history: TYPED.history, priority: 'urgent', vitals: { weight: '78', respRate: '20' } }, 'and it reached the post');
    await page.reload();
    t.same(await fieldsOnScreen(page), { ...TYPED, priority: 'urgent' }, 'a reload shows the post\'s copy');
    await page.context().close();
  });

  await t.test('signing out forgets what this phone kept: the next person finds nothing', async (t) => {
    const page = await nurse();
    const path = await openDraft(page, base, '41000005');
    // Typed with the post unreachable for the autosave, so the copy stays on the phone.
    await page.route('**/borrador', (r) => r.abort());
    await page.fill('[name=reason]', TYPED.reason);
    await page.locator('#autosave-status', { hasText: 'en este teléfono' }).waitFor();
    const kept = () => page.evaluate('Object.keys(localStorage).filter((k) => k.startsWith("chasqui."))') as Promise<string[]>;
    t.equal((await kept()).length, 1, 'a copy on the phone while the post could not save it');
    await page.click('form[action="/salir"] button');
    await page.waitForURL(/\/entrar\?salio=1/);
    t.same(await kept(), [], 'gone after "Salir"');
    await page.context().close();
  });

  await t.test('a language switch right after typing keeps the fields', async (t) => {
    const page = await nurse();
    const path = await openDraft(page, base, '41000004');
    await typeAll(page);
    await page.click('a.lang:has-text("EN")');
    await page.waitForURL(`${base}${path}?ok=created`);
    t.match(await page.textContent('nav'), /Patients/);
    t.same(await fieldsOnScreen(page), { ...TYPED, priority: 'urgent' });
    await waitFor(() => post.drafts.get(path.split('/').pop()!)!.vitals.weight === '78', { what: 'the switch saved at the post' });
    await page.reload();
    t.same(await fieldsOnScreen(page), { ...TYPED, priority: 'urgent' }, 'and a reload after the switch too');
    await page.context().close();
  });

  await t.test('a reply, its page reloaded five times, is one message at the hub', async (t) => {
    const caseId = sendCase(post);
    await waitFor(() => hub.cases.find(POST_ID, caseId), { what: 'case at the hub' });
    const question = hub.sendCounterReference(POST_ID, caseId, { type: 'question', author: { name: 'Dr. Luis Rengifo', specialty: 'cardiology' }, question: '¿El dolor se va al reposo?' });
    await waitFor(() => post.threads.get(question.id), { what: 'question at the post' });
    const page = await nurse();
    page.on('dialog', (d) => void d.accept()); // a browser asking "send the form again?" is told yes, as a hurried nurse would
    await page.goto(`${base}/mensajes/${question.id}`);
    await page.fill('[name=text]', 'Sí, a los cinco minutos de descansar.');
    await Promise.all([page.waitForNavigation(), page.click('form.card button')]);
    t.match(page.url(), /\?ok=replied#m-/, 'answered with a redirect');
    for (let i = 0; i < 5; i++) await page.reload();
    t.match(await page.textContent('.flash'), /Respuesta guardada/);
    const replies = () => hub.threads.thread(POST_ID, caseId).filter((m) => m.direction === 'up' && m.type === 'reply');
    await waitFor(() => replies().length > 0, { what: 'reply at the hub' });
    await waitFor(() => post.relay.outbox.queued().length === 0, { what: 'the post owes the hub nothing more' });
    t.equal(replies().length, 1, 'exactly one reply reached the hub');
    t.equal(post.threads.byCase(caseId).filter((m) => m.direction === 'up').length, 1, 'and one in the post\'s thread');
    await screenshot(page, 'nothing-lost-reply');
    await page.context().close();
  });
});

const NURSE: Nurse = { id: 'n-rosa', username: 'rosa', displayName: 'Rosa Huamán', role: 'nurse' };

/** A case sent from the post's own stores: this test is about the reply, not the case form. */
function sendCase(post: Post): string {
  const res = post.patients.create({ names: 'Ana', surnames: 'Sánchez Mozombite', docKind: 'DNI', docNumber: '41000009', birthDate: '1970-01-05', estimatedAgeYears: null, sex: 'F', community: 'Masisea', phone: null }, 'rosa', new Date());
  if (!res.ok) throw new Error('patient refused');
  const draft = post.drafts.create(res.patient.id, NURSE);
  post.drafts.save(draft.id, { reason: 'Dolor torácico', history: '', priority: 'routine', specialty: 'cardiology', vitals: {} });
  post.drafts.send(draft.id, NURSE);
  return draft.id;
}

