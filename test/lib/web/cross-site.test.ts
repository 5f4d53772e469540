/** The shared cross-site refusal (lib/web/cross-site.ts) on a bare app: what a browser says decides, the CLI and bearer token go ahead. */
import t from 'tap';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { I18n } from '../../../lib/web/i18n.js';
import { registerWeb } from '../../../lib/web/web-plugin.js';
import type { AuditEntry } from '../../../lib/auth/audit-log.js';
import { tempDir } from '../../support/paths.js';
import { LOCALES_DIR } from '../../../node/app/app-plugin.js';

async function bareApp(t: { teardown(fn: () => void): void }) {
  const { dir: pub, cleanup } = tempDir();
  t.teardown(cleanup);
  const recorded: AuditEntry[] = [];
  const app = Fastify();
  app.decorate('audit', { record: (e: AuditEntry) => void recorded.push(e) } as never);
  void app.register(fp(async (a) => registerWeb(a, { i18n: I18n.load(LOCALES_DIR), publicDir: pub, sendPage: (_req, reply, o, status) => reply.status(status ?? 200).type('text/html').send(`<h1>${o.title}</h1>${String(o.body)}`) })));
  let done = 0;
  app.post('/pacientes', async () => ({ done: ++done }));
  app.post('/api/cases', async () => ({ done: ++done }));
  app.get('/pacientes', async () => ({ read: true }));
  t.teardown(() => app.close());
  return { app, recorded, done: () => done };
}

const HOST = { host: '192.168.1.10:8080' };
const COOKIE = { cookie: 'chasqui_sesion=abc' };

t.test('a browser saying another origin or site is refused with a typed 403, recorded once', async (t) => {
  const { app, recorded, done } = await bareApp(t);
  const cases: Array<[string, Record<string, string>]> = [
    ['cross-site fetch metadata', { ...HOST, 'sec-fetch-site': 'cross-site' }],
    ['same-site, another port', { ...HOST, 'sec-fetch-site': 'same-site', origin: 'http://192.168.1.10:9999' }],
    ['Origin of another port', { ...HOST, origin: 'http://192.168.1.10:9999' }],
    ['Origin of another scheme', { ...HOST, origin: 'https://192.168.1.10:8080' }],
    ['Origin of another host', { ...HOST, origin: 'http://evil.example' }],
    ['opaque Origin', { ...HOST, origin: 'null' }],
    ['a signed-in cookie with a foreign Referer', { ...HOST, ...COOKIE, referer: 'http://192.168.1.10:9999/form' }],
  ];
  for (const [name, headers] of cases) {
    const res = await app.inject({ method: 'POST', url: '/pacientes', headers: { ...headers, 'accept-language': 'es' }, payload: { nombre: 'x' } });
    t.equal(res.statusCode, 403, name);
    t.match(res.body, 'data-code="CHASQUI_ERR_CROSS_SITE"', name);
    t.match(res.body, 'Acción rechazada', `${name}: a page in Spanish`);
  }
  const api = await app.inject({ method: 'POST', url: '/api/cases', headers: { ...HOST, origin: 'http://evil.example' }, payload: {} });
  t.equal(api.statusCode, 403);
  t.equal(api.json().error.code, 'CHASQUI_ERR_CROSS_SITE');
  t.equal(done(), 0, 'nothing was done');
  t.equal(recorded.length, cases.length + 1, 'one entry per refusal');
  t.same(recorded[0], { actor: 'anonymous', action: 'request.crossSite', detail: { method: 'POST', path: '/pacientes' }, from: '127.0.0.1', outcome: 'refused' });
});

t.test('same-origin, typed-in, non-browser and bearer requests go ahead; reads are not checked', async (t) => {
  const { app, recorded, done } = await bareApp(t);
  const ok: Array<[string, Record<string, string>]> = [
    ['same-origin fetch metadata', { ...HOST, 'sec-fetch-site': 'same-origin', origin: 'http://192.168.1.10:8080' }],
    ['sec-fetch-site none', { ...HOST, 'sec-fetch-site': 'none' }],
    ['own Origin', { ...HOST, origin: 'http://192.168.1.10:8080' }],
    ['own Origin, default port spelled out', { host: 'posto.local', origin: 'http://posto.local:80' }],
    ['the CLI: no Origin, no cookie', { ...HOST }],
    ['a cookie and the own Referer', { ...HOST, ...COOKIE, referer: 'http://192.168.1.10:8080/pacientes/nuevo' }],
    ['the bearer token', { host: '127.0.0.1:8080', authorization: 'Bearer tok', origin: 'http://evil.example' }],
  ];
  for (const [name, headers] of ok) t.equal((await app.inject({ method: 'POST', url: '/pacientes', headers, payload: {} })).statusCode, 200, name);
  t.equal((await app.inject({ method: 'GET', url: '/pacientes', headers: { ...HOST, 'sec-fetch-site': 'cross-site' } })).statusCode, 200, 'a link from elsewhere still opens a page');
  t.equal(done(), ok.length);
  t.equal(recorded.length, 0);
});
