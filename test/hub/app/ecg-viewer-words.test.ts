/**
 * The words a script writes on a page come from the catalogue too: in real
 * Chromium, the ECG viewer on a case under review speaks the reader's
 * language (its controls, its status line, its accessible label), and the
 * page's whole text, after the script ran, has no raw key in es or en.
 */
import t from 'tap';
import { chromiumSkip, launchBrowser } from '../../support/browser.js';
import { rawKeysIn } from '../../support/i18n-keys.js';
import { POST_ID, wordsScenario } from '../../support/words-scenario.js';

t.test('the ECG viewer in Spanish and in English, no raw key once the script ran', { skip: chromiumSkip() }, async (t) => {
  const s = await wordsScenario(t);
  const base = `http://127.0.0.1:${(s.hub.app.server.address() as { port: number }).port}`;
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'es-PE' })).newPage();
  await page.goto(`${base}/entrar`);
  await page.fill('[name=username]', 'dra.quispe');
  await page.fill('[name=secret]', 'corazon-andino-7');
  await page.click('form button');
  const i18n = s.hub.app.i18n;
  const expect = {
    es: { controls: /Ganancia[\s\S]*Velocidad[\s\S]*Calibrar: la tira de 10 s mide \(mm\)/, status: /^12 derivaciones · 500 Hz · 10\.0 s · filtros: ninguno · LUDB 1$/ },
    en: { controls: /Gain[\s\S]*Speed[\s\S]*Calibrate: the 10 s strip measures \(mm\)/, status: /^12 leads · 500 Hz · 10\.0 s · filters: none · LUDB 1$/ },
  };
  for (const lang of ['es', 'en'] as const) {
    await page.goto(`${base}/idioma/${lang}`);
    await page.goto(`${base}/casos/${POST_ID}/${s.ids.ecg}`);
    await page.waitForSelector('.ecg-controls');
    t.match(await page.textContent('.ecg-controls'), expect[lang].controls, `${lang}: the viewer's controls`);
    t.match(await page.textContent('.ecg-status'), expect[lang].status, `${lang}: the viewer's status line`);
    const text = await page.innerText('body');
    t.same(rawKeysIn(text, new Set(Object.keys(i18n.catalogs.get(lang)!))), [], `${lang}: no raw key in what the page shows`);
    if (lang === 'en') t.notMatch(text, /derivaciones|Ganancia|Cargando/, 'no Spanish left in the English page');
  }
});
