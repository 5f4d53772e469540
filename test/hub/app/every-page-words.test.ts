/**
 * Every page of the hub app, in every language it has, as each role sees it,
 * with cases answered, asked about, replied to and read: no missing key, no
 * text that looks like a key, no page left out. Every time is in the region's
 * zone with its name, the same as the post shows, and another zone moves them.
 */
import t from 'tap';
import { describeMisses, rawKeysIn } from '../../support/i18n-keys.js';
import { getRoutes, POST_ID, routeMatches, wordsScenario, type WordsScenario } from '../../support/words-scenario.js';

// Not pages a person reads: the API, probes, files, the photo itself (the viewer around it is a page).
const NOT_PAGES = [/^\/api\//, /^\/healthz$/, /^\/metrics/, /^\/static\//, /^\/idioma\//, /^\/favicon\./, /\/fotos\/:n\/imagen$/, /^\/\*$/];

function pages(s: WordsScenario) {
  const c = (id: string) => `/casos/${POST_ID}/${id}`;
  return [
    ...['/cola', '/cola?especialidad=cardiology', `/cola?post=${POST_ID}`, '/cola?post=ninguno', '/casos', c(s.ids.sent), c(s.ids.ecg), c(s.ids.answered), c(s.ids.asked), `${c(s.ids.answered)}?ok=1`, `${c(s.ids.sent)}/fotos/1`].map((url) => ({ who: 'cardio', url, status: 200 })),
    // The answer's address, opened (after a sign-in, say), is the case page.
    { who: 'cardio', url: `${c(s.ids.sent)}/respuesta`, status: 303 },
    // A dermatologist has an empty queue and may not open a cardiology case; a specialist has no links or access log.
    ...['/cola', '/casos'].map((url) => ({ who: 'derma', url, status: 200 })),
    { who: 'derma', url: c(s.ids.answered), status: 403 },
    { who: 'cardio', url: '/enlaces', status: 403 },
    { who: 'cardio', url: '/auditoria', status: 403 },
    { who: 'operator', url: '/enlaces', status: 200 },
    { who: 'operator', url: '/cola', status: 403 },
    { who: 'admin', url: '/enlaces', status: 200 },
    { who: 'admin', url: '/auditoria', status: 200 },
    { who: 'admin', url: '/auditoria?usuario=dra.quispe', status: 200 },
    // The data protection officer reads every post's accesses, and nothing clinical.
    ...['/auditoria/puestos', `/auditoria/puestos?puesto=${POST_ID}&resultado=refused`, '/auditoria'].map((url) => ({ who: 'dpo', url, status: 200 })),
    { who: 'dpo', url: '/cola', status: 403 },
    { who: 'operator', url: '/auditoria/puestos', status: 403 },
    ...['/entrar', '/entrar?vencio=1', '/entrar?salio=1'].map((url) => ({ who: null, url, status: 200 })),
    { who: null, url: '/no-existe', status: 404 },
    { who: 'cardio', url: `/casos/${POST_ID}/no-such-case`, status: 404 },
    // The root only sends each role to its own landing page.
    ...['cardio', 'operator', 'admin', 'dpo'].map((who) => ({ who, url: '/', status: 303 })),
  ];
}

t.test('every hub page in every language, for every role: no missing key, no raw key', async (t) => {
  const s = await wordsScenario(t);
  const i18n = s.hub.app.i18n;
  i18n.clearMissing();
  const visited: string[] = [];
  for (const lang of i18n.languages) {
    const known = new Set(Object.keys(i18n.catalogs.get(lang)!));
    for (const p of pages(s)) {
      const res = await s.askHub(p.who, lang, p.url);
      visited.push(p.url);
      t.equal(res.statusCode, p.status, `${lang} ${p.url} as ${p.who ?? 'nobody'}`);
      if (p.status === 303) continue;
      t.match(res.headers['content-type'], /text\/html/, `${lang} ${p.url} is a page`);
      t.same(rawKeysIn(res.body, known), [], `${lang} ${p.url} (${p.who ?? 'signed out'}): no text that looks like a key`);
    }
    const refused = await s.askHub('cardio', lang, {
      method: 'POST', url: `/casos/${POST_ID}/${s.ids.sent}/respuesta`, payload: 'type=answer&assessment=', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(refused.statusCode, 400, `${lang}: an empty answer is refused with the page`);
    t.same(rawKeysIn(refused.body, known), [], `${lang}: the refused answer's page has no raw key`);
  }
  t.equal(i18n.missing.length, 0, `no key missing in any catalogue:\n${describeMisses(i18n.missing)}`);
  const pagesServed = getRoutes(s.hub.app).filter((r) => !NOT_PAGES.some((x) => x.test(r)));
  t.ok(pagesServed.length >= 6, `the hub's pages are found (${pagesServed.join(' ')})`);
  t.same(pagesServed.filter((r) => !visited.some((u) => routeMatches(r, u))), [], 'every page of the app was rendered');
});

t.test('the specialist and the admin read every time in Lima time, labelled, as the post does', async (t) => {
  const s = await wordsScenario(t);
  const review = await s.askHub('cardio', 'es', `/casos/${POST_ID}/${s.ids.asked}`);
  t.match(review.body, /Pregunta al puesto · Dra\. Carmen Quispe · 02\/12\/2026 09:[345]\d \(hora de Lima\)/, 'the thread: when the question left');
  t.match(review.body, /Respuesta del puesto · [^·]* · 02\/12\/2026 09:[345]\d \(hora de Lima\)/, 'and when the post replied');
  const answered = await s.askHub('cardio', 'en', `/casos/${POST_ID}/${s.ids.answered}`);
  t.match(answered.body, /02\/12\/2026 09:[345]\d \(Lima time\)/, 'the read receipt in English, Lima time');
  t.notMatch(answered.body, /2026-12-02 1[45]:/, 'no bare UTC left');
  t.match((await s.askHub('cardio', 'es', '/casos')).body, /<td>02\/12\/2026 09:[345]\d \(hora de Lima\)<\/td>/, 'the case list');
  const audit = await s.askHub('admin', 'es', '/auditoria');
  t.match(audit.body, /<th scope="col">[^<]+ \(hora de Lima\)<\/th>/, 'the access log names its zone once');
  t.match(audit.body, /<tr><td>02\/12\/2026 09:[345]\d:\d\d<\/td>/, 'and each line is in it');
  // The same message, on both sides of the link, reads the same time.
  const atPost = /Pregunta del especialista · Dra\. Carmen Quispe · (02\/12\/2026 \d\d:\d\d)/.exec((await s.askPost('rosa', 'es', `/mensajes/${s.ids.question}`)).body)?.[1];
  const atHub = /Pregunta al puesto · Dra\. Carmen Quispe · (02\/12\/2026 \d\d:\d\d)/.exec(review.body)?.[1];
  t.ok(atPost, 'the post shows the question\'s time');
  t.equal(atHub, atPost, 'the hub and the post show the question at the same time');
});

t.test('another region\'s zone moves every time at the hub', async (t) => {
  const s = await wordsScenario(t, { timeZone: 'America/Bogota' });
  const review = await s.askHub('cardio', 'es', `/casos/${POST_ID}/${s.ids.asked}`);
  t.match(review.body, /Pregunta al puesto · Dra\. Carmen Quispe · 02\/12\/2026 09:[345]\d \(hora de Bogota\)/, 'same offset as Lima, another name');
  t.notMatch(review.body, /hora de Lima/);
  t.match((await s.askHub('admin', 'en', '/auditoria')).body, /\(Bogota time\)<\/th>/);
});
