/**
 * Every page of the nurse app, in every language it has, with a case in each
 * state and each kind of message: no page asks the catalogue for a key it
 * lacks, and no page shows text that looks like a key. Every time is in the
 * region's zone with its name, and another zone moves them all.
 */
import t from 'tap';
import { describeMisses, rawKeysIn } from '../../support/i18n-keys.js';
import { getRoutes, routeMatches, wordsScenario, type WordsScenario } from '../../support/words-scenario.js';

/** Routes that are not pages a person reads: data, images, files, the language switch. */
const NOT_PAGES = [/^\/api\//, /^\/healthz$/, /^\/metrics/, /^\/static\//, /^\/idioma\//, /^\/favicon\./, /^\/fotos\//, /estado\.json$/, /^\/puente\//, /^\/\*$/];

function pages(s: WordsScenario) {
  const { ids } = s;
  return [
    ...[
      '/', '/pacientes', '/pacientes?q=Quispe', '/pacientes?q=nadie', '/pacientes/nuevo', `/pacientes/${ids.patient}`, `/pacientes/${ids.patient}/editar`,
      '/casos', `/casos/${ids.draft}`, `/casos/${ids.draft}?ok=saved`, `/casos/${ids.draft}?ok=photos`, `/casos/${ids.sent}`, `/casos/${ids.answered}`, `/casos/${ids.asked}`,
      `/casos/${ids.draft}/ecg`, '/dispositivos',
      '/mensajes', `/mensajes/${ids.answer}`, `/mensajes/${ids.question}`, `/mensajes/${ids.seen}`, `/mensajes/${ids.answer}/imprimir`,
      '/auditoria', '/no-existe', '/casos/00000000-0000-0000-0000-000000000000/ecg', '/mensajes/00000000-0000-0000-0000-000000000000/imprimir',
    ].map((url) => ({ who: 'rosa', url })),
    { who: null, url: '/no-existe' },
    { who: 'admin', url: '/auditoria' },
    { who: 'admin', url: '/auditoria?usuario=rosa' },
    ...['/entrar', '/entrar?vencio=1', '/entrar?salio=1'].map((url) => ({ who: null, url })),
  ];
}

/** Forms sent wrong: each answers with its page and the errors in words. */
function badForms(s: WordsScenario) {
  const f = (url: string, fields: Record<string, string>) => ({ method: 'POST' as const, url, payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return [
    { who: 'rosa', o: f('/pacientes', { names: '', docNumber: '12' }) },
    { who: 'rosa', o: f(`/casos/${s.ids.draft}`, { reason: 'x', spo2: '101', systolic: '80', diastolic: '90' }) },
    { who: 'rosa', o: f(`/mensajes/${s.ids.question}/responder`, { text: '' }) },
    { who: null, o: f('/entrar', { username: 'rosa', secret: 'no-es-esta' }) },
  ];
}

t.test('every nurse page in every language: no missing key, no raw key', async (t) => {
  const s = await wordsScenario(t);
  const i18n = s.post.app.i18n;
  i18n.clearMissing();
  const visited: string[] = [];
  for (const lang of i18n.languages) {
    const known = new Set(Object.keys(i18n.catalogs.get(lang)!));
    for (const p of pages(s)) {
      const res = await s.askPost(p.who, lang, p.url);
      visited.push(p.url);
      t.ok(res.statusCode < 500, `${lang} ${p.url}: ${res.statusCode}`);
      t.match(res.headers['content-type'], /text\/html/, `${lang} ${p.url} is a page`);
      t.same(rawKeysIn(res.body, known), [], `${lang} ${p.url} (${p.who ?? 'signed out'}): no text that looks like a key`);
    }
    for (const b of badForms(s)) {
      const res = await s.askPost(b.who, lang, b.o);
      // A wrong password answers the sign-in page again (200); the others answer 400 with the form.
      t.ok(res.statusCode < 500 && /text\/html/.test(String(res.headers['content-type'])), `${lang} POST ${b.o.url}: refused with a page (${res.statusCode})`);
      t.match(res.body, /role="alert"/, `${lang} POST ${b.o.url}: says what is wrong`);
      t.same(rawKeysIn(res.body, known), [], `${lang} POST ${b.o.url}: no text that looks like a key`);
    }
  }
  const gone = await s.askPost(null, 'es', '/no-existe');
  t.equal(gone.statusCode, 404);
  t.match(gone.body, /<h1>Página no encontrada<\/h1>/, 'a lost address is a page in the reader\'s language');
  t.match((await s.askPost('rosa', 'en', '/mensajes/00000000-0000-0000-0000-000000000000/imprimir')).body, /<h1>Page not found<\/h1>/);
  t.same((await s.askPost('rosa', 'es', '/api/nada')).json(), { error: { code: 'CHASQUI_ERR_NOT_FOUND', message: 'No such thing: GET /api/nada' } }, 'a program still gets JSON');
  t.equal(i18n.missing.length, 0, `no key missing in any catalogue:\n${describeMisses(i18n.missing)}`);
  // A page added later without words checked here fails this line until it is listed above.
  const pagesServed = getRoutes(s.post.app).filter((r) => !NOT_PAGES.some((x) => x.test(r)));
  t.ok(pagesServed.length >= 12, `the post's pages are found (${pagesServed.join(' ')})`);
  t.same(pagesServed.filter((r) => !visited.some((u) => routeMatches(r, u))), [], 'every page of the app was rendered');
});

t.test('the nurse reads every time in Lima time, labelled, on screen, in the access log and on paper', async (t) => {
  const s = await wordsScenario(t);
  const { ids } = s;
  const thread = await s.askPost('rosa', 'es', `/mensajes/${ids.question}`);
  t.match(thread.body, /Visto por Cardiología · 02\/12\/2026 09:[345]\d \(hora de Lima\)/, 'the "seen" line in words, with its time');
  t.notMatch(thread.body, /inbox\.type/, 'no raw key in the thread');
  t.match(thread.body, /Pregunta del especialista · Dra\. Carmen Quispe · 02\/12\/2026 09:[345]\d \(hora de Lima\)/);
  t.match((await s.askPost('rosa', 'en', `/mensajes/${ids.question}`)).body, /Seen by Cardiology · 02\/12\/2026 09:[345]\d \(Lima time\)/);
  const print = await s.askPost('rosa', 'es', `/mensajes/${ids.answer}/imprimir`);
  t.match(print.body, /<td>02\/12\/2026 09:[345]\d \(hora de Lima\)<\/td><th>Respondido/, 'the printout: answered, in Lima time');
  const inbox = await s.askPost('rosa', 'es', '/mensajes');
  t.match(inbox.body, /\(hora de Lima\)<\/th>/, 'the inbox labels its date column');
  t.match(inbox.body, /<td>02\/12\/2026 09:[345]\d<\/td><\/tr>/);
  t.match((await s.askPost('rosa', 'es', '/casos')).body, /\(hora de Lima\)<\/th>/, 'the case list labels its date column');
  const audit = await s.askPost('admin', 'es', '/auditoria');
  t.match(audit.body, /<th scope="col">[^<]+ \(hora de Lima\)<\/th>/, 'the access log names its zone once');
  t.match(audit.body, /<tr><td>02\/12\/2026 09:[345]\d:\d\d<\/td>/, 'and each line is in it, to the second');
  t.notMatch(audit.body, /14:[345]\d:\d\d/, 'not UTC');
});

t.test('another region\'s zone moves every time the nurse reads', async (t) => {
  const s = await wordsScenario(t, { timeZone: 'Europe/Madrid' });
  const thread = await s.askPost('rosa', 'es', `/mensajes/${s.ids.question}`);
  t.match(thread.body, /Visto por Cardiología · 02\/12\/2026 15:[345]\d \(hora de Madrid\)/);
  t.notMatch(thread.body, /hora de Lima/);
  t.match((await s.askPost('rosa', 'en', `/mensajes/${s.ids.answer}/imprimir`)).body, /<td>02\/12\/2026 15:[345]\d \(Madrid time\)<\/td>/);
  t.match((await s.askPost('admin', 'es', '/auditoria')).body, /\(hora de Madrid\)<\/th>[\s\S]*<tr><td>02\/12\/2026 15:[345]\d:\d\d<\/td>/);
});
