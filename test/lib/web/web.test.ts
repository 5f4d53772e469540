/** The shared web pieces: escaping, translations from an app's own folder, the page shell. */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { html, raw } from '../../../lib/web/html.js';
import { I18n } from '../../../lib/web/i18n.js';
import { pageShell, sendHtml } from '../../../lib/web/page-shell.js';
import { registerWeb, safeBack } from '../../../lib/web/web-plugin.js';
import { localPath } from '../../../lib/auth/sign-in.js';
import { tempDir } from '../../support/paths.js';

function locales(t: { teardown(fn: () => void): void }, files: Record<string, Record<string, string>>): string {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const d = join(dir, 'locales');
  mkdirSync(d);
  for (const [lang, cat] of Object.entries(files)) writeFileSync(join(d, `${lang}.json`), JSON.stringify(cat));
  return d;
}

t.test('html escapes what it is given, except Html', async (t) => {
  t.equal(html`<p title="${'"x"'}">${'<script>'}${raw('<b>ok</b>')}${[1, null, false, 'a&b']}</p>`.value, '<p title="&quot;x&quot;">&lt;script&gt;<b>ok</b>1a&amp;b</p>');
});

t.test('a locales folder is a parameter; Spanish is the default and the fallback', async (t) => {
  const dir = locales(t, { es: { hi: 'Hola {name}', only: 'solo es' }, en: { hi: 'Hi {name}' }, qu: { hi: 'Allillanchu {name}' } });
  const i18n = I18n.load(dir);
  t.same(i18n.languages, ['es', 'en', 'qu']);
  t.equal(i18n.pick(undefined, 'qu-PE,es;q=0.5'), 'qu');
  t.equal(i18n.pick('en', 'qu'), 'en', 'an explicit choice wins');
  t.equal(i18n.pick(undefined, 'fr'), 'es');
  const en = i18n.translator('en');
  t.equal(en('hi', { name: 'Ana' }), 'Hi Ana');
  t.equal(en('only'), 'solo es');
  t.equal(en('missing'), 'missing');
  t.same(i18n.missing, [{ key: 'only', lang: 'en', kind: 'fallback' }, { key: 'missing', lang: 'en', kind: 'everywhere' }], 'each miss is recorded, with whether Spanish stood in');
  const heard: string[] = [];
  i18n.onMissing((m) => heard.push(`${m.lang}:${m.key}`));
  en('missing');
  i18n.translator('qu')('only', { name: 'x' });
  t.same(heard, ['qu:only'], 'a listener hears each new miss once');
  t.ok(en.has('only') && !en.has('nope'), 'has() asks without counting a miss');
  t.equal(i18n.missing.length, 3);
  i18n.clearMissing();
  t.same(i18n.missing, []);
  t.throws(() => I18n.load(locales(t, { en: {} })), /es catalogue is missing/);
});

t.test('the shell: the app\'s nav and stylesheet, the signed-in name, the other languages', async (t) => {
  const dir = locales(t, { es: { 'nav.a': 'Uno', 'nav.signOut': 'Salir' }, en: { 'nav.a': 'One' } });
  const { dir: pub, cleanup } = tempDir();
  t.teardown(cleanup);
  const app = Fastify();
  void app.register(fp(async (a) => registerWeb(a, { i18n: I18n.load(dir), publicDir: pub })));
  app.get('/x', async (req, reply) => sendHtml(reply, pageShell(req, { title: 'T<', body: html`<p>b</p>`, section: 'a' }, { who: { displayName: 'Dra. <Flores>' }, nav: [{ id: 'a', href: '/a', key: 'nav.a' }], styles: ['hub.css'] })));
  const res = await app.inject({ url: '/x' });
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.body, '<title>T&lt; · Chasqui</title>');
  t.match(res.body, '<link rel="stylesheet" href="/static/hub.css">');
  t.match(res.body, '<nav><a href="/a" aria-current="page">Uno</a></nav>');
  t.match(res.body, '<span>Dra. &lt;Flores&gt;</span>');
  t.match(res.body, '<a class="lang" href="/idioma/en">EN</a>');
  const switched = await app.inject({ url: '/idioma/en', headers: { referer: 'http://evil.example//x' } });
  t.match(String(switched.headers['set-cookie']), /^lang=en;/);
  t.equal(switched.headers.location, '/', 'a Referer from elsewhere does not become the way back');
  await app.close();
});

t.test('volver only ever goes to a path on this app', async (t) => {
  t.equal(localPath('/cola?x=1'), '/cola?x=1');
  for (const bad of ['https://evil.example/', '//evil.example', '/\\evil', '/entrar', 'cola', 42]) t.equal(localPath(bad), '/', String(bad));
  // Paths that only become `//host` once normalised (the finding: /.//evil.example went to //evil.example).
  const nasty = ['/.//evil.example', '/..//evil.example', '/./..//evil.example', '/%2F/evil.example', '/%2f%2fevil.example', '/%5Cevil.example', '/\t/evil.example', '/\n/evil.example', '/\t//evil.example', '/a/../..//evil.example', '/.\\evil.example'];
  for (const bad of nasty) t.equal(localPath(bad), '/', JSON.stringify(bad));
  t.equal(localPath('/casos?q=a%2Fb'), '/casos?q=a%2Fb', 'an encoded slash in the query is not a path');
  t.equal(localPath('/casos/../cola'), '/cola', 'a harmless dot segment still normalises');
});

t.test('the way back from a Referer never leaves the app', async (t) => {
  for (const bad of ['http://app.test/.//evil.example', 'http://app.test/..//evil.example', 'http://app.test//evil.example', 'http://evil.example', 'javascript:alert(1)']) t.equal(safeBack(bad), '/', bad);
  t.equal(safeBack('http://app.test/cola?x=1'), '/cola?x=1');
});
