/** The hub's sign-in, roles and shell through fastify's inject on a real SQLite file with a hand-moved clock. */
import t from 'tap';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { join } from 'node:path';
import { installErrorHandler } from '../../../lib/http-errors.js';
import { openDatabase } from '../../../lib/sqlite.js';
import type { ScryptParams } from '../../../lib/auth/secret-hash.js';
import { hubAppPlugin } from '../../../hub/app/app-plugin.js';
import { sendPage } from '../../../hub/app/layout.js';
import { html } from '../../../lib/web/html.js';
import { HUB_AREAS } from '../../../hub/auth/hub-access.js';
import { registerHubAuth, type HubAuth } from '../../../hub/auth/hub-auth.js';
import { quietLogger } from '../../support/logger.js';
import { tempDir } from '../../support/paths.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };
const MIN = 60_000;

type Ctx = { app: FastifyInstance; auth: HubAuth; clock: { ms: number; now(): number } };

async function setup(t: { teardown(fn: () => Promise<void> | void): void }): Promise<Ctx> {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'hub.sqlite'));
  const clock = { ms: 1_700_000_000_000, now() { return this.ms; } };
  const app = Fastify();
  installErrorHandler(app);
  void app.register(hubAppPlugin);
  const auth = registerHubAuth(app, { db, clock, logger: quietLogger(), scrypt: FAST });
  // Stand-ins for the pages other areas add, guarded the way those pages are.
  const page = (title: string) => async (req: Parameters<typeof sendPage>[0], reply: Parameters<typeof sendPage>[1]) =>
    sendPage(req, reply, { title, body: html`<p>${req.user!.displayName}: ${req.user!.specialties.join(',')}</p>`, section: 'queue' });
  app.get('/cola', { preHandler: app.requireUser(HUB_AREAS.queue) }, page('Cola'));
  app.get('/casos/:id', { preHandler: app.requireUser(HUB_AREAS.cases) }, page('Caso'));
  app.get('/enlaces', { preHandler: app.requireUser(HUB_AREAS.links) }, page('Enlaces'));
  app.get('/api/casos', { preHandler: app.requireUser(HUB_AREAS.cases) }, async (req) => ({ user: req.user }));
  app.get('/api/yo', { preHandler: app.requireUser() }, async (req) => ({ user: req.user }));
  await auth.accounts.create({ username: 'dra.flores', displayName: 'Dra. Flores', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['dermatology', 'cardiology'] } });
  await auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'pin', secret: '284719' });
  await auth.accounts.create({ username: 'jefe', displayName: 'Julia Admin', role: 'admin', kind: 'password', secret: 'registro-seguro' });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    db.close();
    cleanup();
  });
  return { app, auth, clock };
}

function signIn(app: FastifyInstance, username: string, secret: string, volver = '/') {
  return app.inject({
    method: 'POST', url: '/entrar', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, secret, volver }).toString(),
  });
}

function cookieOf(res: LightMyRequestResponse): { cookie: string } {
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`no session cookie (status ${res.statusCode})`);
  return { cookie: `chasqui_sesion=${c.value}` };
}

t.test('sign in, land on the role\'s first page, sign out', async (t) => {
  const { app, auth } = await setup(t);
  const away = await app.inject({ url: '/cola' });
  t.equal(away.statusCode, 303);
  t.equal(away.headers.location, '/entrar?volver=%2Fcola');
  t.equal((await app.inject({ url: '/api/yo' })).statusCode, 401, 'a program without a session gets 401');
  const form = await app.inject({ url: '/entrar' });
  t.match(form.body, /<label for="username">Usuario<\/label>/);
  t.match(form.body, 'href="/static/hub.css"');
  const res = await signIn(app, 'Dra.Flores', 'corazon-andino-7');
  t.equal(res.statusCode, 303);
  const headers = cookieOf(res);
  t.equal((await app.inject({ url: '/', headers })).headers.location, '/cola', 'a specialist lands on the queue');
  const me = await app.inject({ url: '/api/yo', headers });
  t.same(me.json().user, { id: auth.accounts.byUsername('dra.flores')!.id, username: 'dra.flores', displayName: 'Dra. Flores', role: 'specialist', specialties: ['cardiology', 'dermatology'] });
  const out = await app.inject({ method: 'POST', url: '/salir', headers });
  t.equal(out.headers.location, '/entrar?salio=1');
  const signedOut = await app.inject({ url: '/entrar?salio=1' });
  t.match(signedOut.body, '<script src="/static/base/forget-drafts.js" defer>', 'the signed-out page forgets the answer drafts kept in this browser');
  t.equal((await app.inject({ url: '/static/base/forget-drafts.js' })).statusCode, 200);
  t.notMatch((await app.inject({ url: '/entrar?vencio=1' })).body, 'forget-drafts', 'an expired session keeps them, to come back after signing in');
  t.equal((await app.inject({ url: '/cola', headers })).statusCode, 303, 'the session is gone');
  t.same(auth.audit.list().map((e) => e.action).reverse(), ['access.denied', 'session.signIn', 'session.signOut']);
  t.match(auth.audit.list({ action: 'access.denied' }), [{ actor: 'anonymous', outcome: 'refused', from: '127.0.0.1', detail: { path: '/api/yo', reason: 'signedOut' } }], 'an API call without a session is recorded as refused');
  const operator = cookieOf(await signIn(app, 'oper', '284719'));
  t.equal((await app.inject({ url: '/', headers: operator })).headers.location, '/enlaces');
  const admin = cookieOf(await signIn(app, 'jefe', 'registro-seguro'));
  t.equal((await app.inject({ url: '/', headers: admin })).headers.location, '/auditoria');
});

t.test('roles: a specialist cannot open the access log, an operator cannot open a case; both are recorded', async (t) => {
  const { app, auth } = await setup(t);
  const specialist = cookieOf(await signIn(app, 'dra.flores', 'corazon-andino-7'));
  const log = await app.inject({ url: '/auditoria?usuario=jefe', headers: specialist });
  t.equal(log.statusCode, 403);
  t.match(log.body, 'data-code="CHASQUI_ERR_NOT_AUTHORIZED"');
  t.match(log.body, 'Sin permiso');
  const operator = cookieOf(await signIn(app, 'oper', '284719'));
  t.equal((await app.inject({ url: '/casos/c-1', headers: operator })).statusCode, 403);
  t.equal((await app.inject({ url: '/cola', headers: operator })).statusCode, 403);
  const api = await app.inject({ url: '/api/casos?paciente=Quispe', headers: operator });
  t.equal(api.statusCode, 403);
  t.equal(api.json().error.code, 'CHASQUI_ERR_NOT_AUTHORIZED');
  t.equal((await app.inject({ url: '/enlaces', headers: operator })).statusCode, 200);
  t.equal((await app.inject({ url: '/casos/c-1', headers: specialist })).statusCode, 200);
  const denied = auth.audit.list({ action: 'access.denied' }).reverse();
  t.same(denied.map((e) => [e.actor, e.detail]), [
    ['dra.flores', { method: 'GET', path: '/auditoria', role: 'specialist', reason: 'role' }],
    ['oper', { method: 'GET', path: '/casos/c-1', role: 'operator', reason: 'role' }],
    ['oper', { method: 'GET', path: '/cola', role: 'operator', reason: 'role' }],
    ['oper', { method: 'GET', path: '/api/casos', role: 'operator', reason: 'role' }],
  ], 'the path is kept, never the query (it may name a patient)');
  t.ok(denied.every((e) => e.outcome === 'refused' && e.from === '127.0.0.1'), 'each refused, with where from');
});

t.test('the admin reads the access log, and reading it is recorded', async (t) => {
  const { app, auth } = await setup(t);
  await signIn(app, 'oper', 'wrong-pin-0');
  const admin = cookieOf(await signIn(app, 'jefe', 'registro-seguro'));
  const res = await app.inject({ url: '/auditoria', headers: admin });
  t.equal(res.statusCode, 200);
  t.match(res.body, 'Registro de accesos');
  t.match(res.body, 'Intento fallido de entrar');
  t.match(res.body, /<a href="\/auditoria" aria-current="page">Registro<\/a>/);
  t.match(auth.audit.list()[0], { actor: 'jefe', action: 'audit.view' });
  t.match(auth.audit.list({ action: 'session.signInFailed' })[0], { actor: 'anonymous', target: 'oper', detail: { reason: 'wrong' } });
});

t.test('the navigation offers each role only what it may open', async (t) => {
  const { app } = await setup(t);
  const nav = (body: string) => [...body.matchAll(/<nav>(.*?)<\/nav>/gs)][0]![1]!.match(/href="[^"]+"/g);
  const specialist = cookieOf(await signIn(app, 'dra.flores', 'corazon-andino-7'));
  t.same(nav((await app.inject({ url: '/cola', headers: specialist })).body), ['href="/cola"', 'href="/casos"']);
  const operator = cookieOf(await signIn(app, 'oper', '284719'));
  t.same(nav((await app.inject({ url: '/enlaces', headers: operator })).body), ['href="/enlaces"']);
  const admin = cookieOf(await signIn(app, 'jefe', 'registro-seguro'));
  t.same(nav((await app.inject({ url: '/enlaces', headers: admin })).body), ['href="/enlaces"', 'href="/auditoria"', 'href="/auditoria/puestos"']);
  const en = await app.inject({ url: '/cola', headers: { ...specialist, 'accept-language': 'en' } });
  t.match(en.body, '>Queue</a>');
  t.match(en.body, '>Sign out</button>');
});

t.test('the session ends after 30 min idle and 12 h in all; a disabled account is signed out', async (t) => {
  const { app, auth, clock } = await setup(t);
  const headers = cookieOf(await signIn(app, 'dra.flores', 'corazon-andino-7'));
  clock.ms += 29 * MIN;
  t.equal((await app.inject({ url: '/cola', headers })).statusCode, 200);
  clock.ms += 30 * MIN;
  const idle = await app.inject({ url: '/cola', headers });
  t.equal(idle.headers.location, '/entrar?volver=%2Fcola&vencio=1');
  const again = cookieOf(await signIn(app, 'dra.flores', 'corazon-andino-7'));
  for (let i = 0; i < 25; i++) {
    clock.ms += 29 * MIN;
    await app.inject({ url: '/cola', headers: again });
  }
  t.equal((await app.inject({ url: '/cola', headers: again })).statusCode, 303, 'ended at 12 h though in use');
  const third = cookieOf(await signIn(app, 'dra.flores', 'corazon-andino-7'));
  auth.accounts.disable('dra.flores');
  t.equal((await app.inject({ url: '/cola', headers: third })).statusCode, 303);
  t.equal((await signIn(app, 'dra.flores', 'corazon-andino-7')).statusCode, 200, 'the form again, no session');
});

t.test('three wrong secrets from one address make that address wait for the name, the right one included', async (t) => {
  const { app, clock } = await setup(t);
  for (let i = 0; i < 3; i++) t.equal((await signIn(app, 'jefe', `wrong-${i}-xx`)).statusCode, 200);
  const locked = await signIn(app, 'jefe', 'registro-seguro');
  t.equal(locked.statusCode, 429);
  t.match(locked.body, 'Espere 1 minuto');
  clock.ms += 30_000;
  t.equal((await signIn(app, 'jefe', 'registro-seguro')).statusCode, 303);
});

t.test('hub accounts and sessions live in their own tables', async (t) => {
  const { auth } = await setup(t);
  t.equal(auth.accounts.list().length, 3);
  t.equal(auth.accounts.kind.table, 'hub_accounts');
});
