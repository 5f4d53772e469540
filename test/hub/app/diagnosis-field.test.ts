/**
 * ICD-10 in the specialist's counter-reference form, in real headless
 * Chromium against a real hub and post: "hipert" offers I10X, choosing it
 * shows "Hipertensión esencial (primaria)"; I1O (letter O) is refused next
 * to its field in Spanish, and in English after switching language, with
 * everything typed kept and nothing sent; "Comprobar" shows descriptions
 * without JavaScript; what is sent carries the classification's words to the
 * nurse's inbox, the printout and the FHIR export.
 */
import t from 'tap';
import { chromiumSkip, launchBrowser, screenshot } from '../../support/browser.js';
import { tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = { specialists: [{ id: 'dra.quispe', name: 'Dra. Carmen Quispe', specialties: ['cardiology'], hours: ALWAYS }] };
const HTA = 'Hipertensión esencial (primaria)';

t.test('find a code by words, refuse one that does not exist, carry the description to the post and FHIR', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta-masisea', hub: { config: { routing: ROUTING } } });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  post.cases.submit({
    caseId: 'c-hta', priority: 'routine',
    body: {
      reason: 'Cefalea y presión alta en control', history: 'Mujer de 61 años.', specialty: 'cardiology',
      patient: { names: 'Rosa', surnames: 'Ccori Vda. de Huamán', document: { kind: 'DNI', number: '40111222' }, ageYears: 61, sex: 'F', community: 'Masisea' },
      vitals: { systolic: { value: 172, unit: 'mmHg', flag: 'high' } },
    },
    attachments: [],
  });
  await waitFor(() => hub.router.store.get('posta-masisea', 'c-hta'), { what: 'case routed at the hub' });
  const hubBase = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const postBase = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const casePath = `${hubBase}/casos/posta-masisea/c-hta`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'es-PE' });
  const page = await context.newPage();
  await page.goto(`${hubBase}/entrar`);
  await page.fill('[name=username]', 'dra.quispe');
  await page.fill('[name=secret]', 'corazon-andino-7');
  await page.click('form button');
  await page.waitForURL(`${hubBase}/cola`);
  await page.goto(casePath);
  const answers = () => hub.threads.thread('posta-masisea', 'c-hta').filter((m) => m.type === 'answer');

  await t.test('type words, choose a suggestion, see its description', async (t) => {
    await page.fill('#assessment', 'Hipertensión no controlada.');
    await page.locator('#dx0code').pressSequentially('hipert', { delay: 30 });
    const choice = page.locator('#dx0code ~ .dx-suggestions [role=option][data-code="I10X"]');
    await choice.waitFor();
    t.match(await choice.textContent(), HTA, 'the suggestion says what the code is');
    await screenshot(page, 'hub-dx-suggestions');
    await choice.click();
    t.equal(await page.inputValue('#dx0code'), 'I10X');
    t.equal(await page.textContent('#dx0code-desc'), `I10X ${HTA}`, 'the description next to the code, before sending');
    t.ok(await page.locator('#dx0code ~ .dx-suggestions').isHidden(), 'the list closes');
  });

  await t.test('I1O (letter O) is refused next to its field in Spanish; everything typed is kept; nothing sent', async (t) => {
    await page.fill('#dx1code', 'I1O');
    await page.fill('#treatment', 'Enalapril 10 mg cada 12 h.');
    t.equal(await page.locator('.answer-form button').count(), 1, 'suggestions are no buttons: the form\'s one button sends');
    await page.click('.answer-form button');
    await page.waitForLoadState();
    t.equal(await page.textContent('#dx1code-desc'), '«I1O» no es un código de la CIE-10. Busque por código o por palabras.');
    t.equal(await page.getAttribute('#dx1code', 'aria-invalid'), 'true');
    t.equal(await page.inputValue('#dx1code'), 'I1O');
    t.equal(await page.inputValue('#assessment'), 'Hipertensión no controlada.');
    t.equal(await page.inputValue('#treatment'), 'Enalapril 10 mg cada 12 h.');
    t.equal(await page.textContent('#dx0code-desc'), `I10X ${HTA}`, 'the good code keeps its description, drawn by the server');
    t.same(answers(), [], 'nothing was sent');
    await screenshot(page, 'hub-dx-refused');
  });

  await t.test('the same refusal in English after switching language', async (t) => {
    await page.click('a.lang[href="/idioma/en"]');
    await page.goto(casePath);
    await page.fill('#assessment', 'Uncontrolled hypertension.');
    await page.fill('#dx0code', 'I1O');
    await page.click('.answer-form button');
    await page.waitForLoadState();
    t.equal(await page.textContent('#dx0code-desc'), '“I1O” is not an ICD-10 code. Search by code or by words.');
    t.equal(await page.inputValue('#assessment'), 'Uncontrolled hypertension.');
    t.same(answers(), []);
    await page.click('a.lang[href="/idioma/es"]');
  });

  await t.test('"Comprobar" shows each description from the server, without JavaScript, and sends nothing', async (t) => {
    const res = await page.request.post(`${casePath}/respuesta`, { form: { type: 'answer', assessment: 'x', dx0code: 'i21.4', dx1code: 'I10', check: 'Comprobar códigos' } });
    t.equal(res.status(), 200);
    const body = await res.text();
    t.match(body, /<strong>I214<\/strong> Infarto subendocárdico agudo del miocardio/);
    t.match(body, new RegExp(`<strong>I10X</strong> ${HTA.replace(/[()]/g, '\\$&')}`), 'I10 is I10X in HIS form');
    t.match(body, /value="i21.4"/, 'what was typed is kept as typed');
    t.same(answers(), []);
  });

  await t.test('send: the description travels to the nurse, the printout and FHIR', async (t) => {
    await page.goto(casePath);
    await page.fill('#assessment', 'Hipertensión no controlada.');
    await page.fill('#dx0code', 'I10.X');
    await page.fill('#dx1code', 'r51');
    await page.click('.answer-form button');
    await page.waitForURL(/ok=1/);
    const [sent] = answers();
    t.match(sent?.body, { diagnoses: [{ code: 'I10X', description: HTA }, { code: 'R51X', description: 'Cefalea' }] });
    const answer = await waitFor(() => post.threads.inbox().find((m) => m.type === 'answer'), { what: 'answer at the post' });

    const nurse = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-PE' })).newPage();
    t.teardown(() => nurse.context().close());
    await nurse.goto(`${postBase}/entrar`);
    await nurse.fill('[name=username]', 'rosa');
    await nurse.fill('[name=secret]', 'ucayali-2026');
    await nurse.click('form button');
    await nurse.waitForURL(`${postBase}/`);
    await nurse.goto(`${postBase}/mensajes/${answer.id}`);
    t.same(await nurse.locator('dl.answer .dx').allTextContents(), [`I10X ${HTA}`, 'R51X Cefalea'], 'the inbox message');
    await nurse.goto(`${postBase}/mensajes/${answer.id}/imprimir`);
    t.same(await nurse.locator('dl.answer .dx').allTextContents(), [`I10X ${HTA}`, 'R51X Cefalea'], 'the printout');

    const fhir = await page.request.get(`${hubBase}/api/posts/posta-masisea/cases/c-hta/fhir`);
    t.equal(fhir.status(), 200);
    const bundle = (await fhir.json()) as { entry: Array<{ resource: { resourceType: string; code?: { coding: unknown[] } } }> };
    const codings = bundle.entry.filter((e) => e.resource.resourceType === 'Condition').map((e) => e.resource.code!.coding[0]);
    t.same(codings, [
      { system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: HTA },
      { system: 'http://hl7.org/fhir/sid/icd-10', code: 'R51', display: 'Cefalea' },
    ]);
  });
});
