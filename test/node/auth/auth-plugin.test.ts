/** Sign-in, sessions, the limiter, the bearer token and the audit page, through fastify's inject on a real SQLite file. */
import t from 'tap';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { installErrorHandler } from '../../../lib/http-errors.js';
import { openDatabase } from '../../../lib/sqlite.js';
import { appPlugin } from '../../../node/app/app-plugin.js';
import { registerAuth, type Auth } from '../../../node/auth/auth-plugin.js';
import { recordAccess } from '../../../node/auth/access-record.js';
import type { ScryptParams } from '../../../node/auth/nurse-accounts.js';
import { quietLogger } from '../../support/logger.js';
import { tempDir } from '../../support/paths.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };
const MIN = 60_000;
const WRONG = 'El usuario o la contraseña no son correctos';

type Ctx = { app: FastifyInstance; auth: Auth; clock: { ms: number; now(): number }; dir: string };

async function setup(t: { teardown(fn: () => Promise<void> | void): void }): Promise<Ctx> {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'post.sqlite'));
  const clock = { ms: 1_700_000_000_000, now() { return this.ms; } };
  const app = Fastify();
  installErrorHandler(app);
  void app.register(appPlugin);
  const auth = registerAuth(app, { db, clock, dataDir: dir, logger: quietLogger(), scrypt: FAST });
  // Declared right after registerAuth, as node/post.ts does: the preHandler must already exist.
  app.get('/api/x', { preHandler: app.requireNurse }, async (req) => {
    recordAccess(req, { action: 'case.list' });
    return { nurse: req.nurse };
  });
  app.get('/pacientes', { preHandler: app.requireNurse }, async (req) => `hola ${req.nurse!.displayName}`);
  app.post('/casos/:id/fotos', { preHandler: app.requireNurse }, async () => 'ok');
  await auth.accounts.create({ username: 'ana', displayName: 'Ana Quispe', kind: 'password', secret: 'muña-del-cerro' });
  await auth.accounts.create({ username: 'rosa', displayName: 'Rosa Mamani', kind: 'pin', secret: '284719' });
  await auth.accounts.create({ username: 'jefa', displayName: 'Luz Huamán', role: 'admin', kind: 'password', secret: 'hierba-luisa' });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    db.close();
    cleanup();
  });
  return { app, auth, clock, dir };
}

function signIn(app: FastifyInstance, username: string, secret: string, o: { volver?: string; ip?: string } = {}) {
  return app.inject({
    method: 'POST', url: '/entrar', remoteAddress: o.ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, secret, volver: o.volver ?? '/' }).toString(),
  });
}

function sessionCookie(res: LightMyRequestResponse): string {
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`no session cookie (status ${res.statusCode})`);
  return c.value;
}

const withCookie = (token: string) => ({ cookie: `chasqui_sesion=${token}` });

t.test('the sign-in page: labelled fields, Spanish by default, English on request', async (t) => {
  const { app } = await setup(t);
  const res = await app.inject({ url: '/entrar?volver=%2Fcasos' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /<label for="username">Usuario<\/label>/);
  t.match(res.body, /<input id="secret" name="secret" type="password" autocomplete="current-password"/);
  t.match(res.body, /name="volver" value="\/casos"/);
  t.equal(res.headers['cache-control'], 'no-store');
  t.equal(res.headers['x-frame-options'], 'DENY');
  const en = await app.inject({ url: '/entrar', headers: { 'accept-language': 'en-GB,en;q=0.8' } });
  t.match(en.body, 'Password or PIN');
  t.comment(`sign-in page: ${Buffer.byteLength(res.body)} bytes`);
});

t.test('the right password gives a session cookie that opens protected pages and the API', async (t) => {
  const { app, auth } = await setup(t);
  const res = await signIn(app, 'Ana', 'muña-del-cerro', { volver: '/pacientes?q=1' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/pacientes?q=1');
  t.match(String(res.headers['set-cookie']), /chasqui_sesion=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax/);
  t.notMatch(String(res.headers['set-cookie']), /Secure/, 'the post speaks plain HTTP on its Wi-Fi unless told');
  const token = sessionCookie(res);
  const page = await app.inject({ url: '/pacientes', headers: withCookie(token) });
  t.equal(page.body, 'hola Ana Quispe');
  t.match((await app.inject({ url: '/api/x', headers: withCookie(token) })).json(), { nurse: { username: 'ana', role: 'nurse' } });
  t.match(auth.audit.list({ actor: 'ana', action: 'session.signIn' }), [{ action: 'session.signIn', detail: { ip: '127.0.0.1' } }]);
  const again = await app.inject({ url: '/entrar?volver=%2Fcasos', headers: withCookie(token) });
  t.equal(again.headers.location, '/casos', 'a signed-in nurse skips the form');
});

t.test('a wrong password or an unknown name: the same generic error, both audited', async (t) => {
  const { app, auth } = await setup(t);
  const wrong = await signIn(app, 'ana', 'muña-del-llano');
  const unknown = await signIn(app, 'anita', 'muña-del-llano');
  for (const res of [wrong, unknown]) {
    t.equal(res.statusCode, 200);
    t.match(res.body, WRONG);
    t.match(res.body, /role="alert"/);
    t.equal(res.headers['set-cookie'], undefined);
    t.notMatch(res.body, 'muña', 'the secret is not echoed back');
  }
  t.equal(wrong.body.replace('value="ana"', ''), unknown.body.replace('value="anita"', ''), 'nothing tells the two apart');
  const failed = auth.audit.list({ action: 'session.signInFailed' });
  t.match(failed, [{ actor: 'anonymous', detail: { reason: 'unknown' } }, { actor: 'anonymous', target: 'ana', detail: { reason: 'wrong' } }]);
  t.equal(failed[0]!.target, undefined, 'an unknown name (maybe a password typed in the wrong box) is not stored');
  t.notMatch(JSON.stringify(auth.audit.list()), 'muña');
});

t.test('failures from one address slow that pair with a growing delay; the nurse from her own address is not locked out', async (t) => {
  const { app, clock } = await setup(t);
  for (let i = 0; i < 3; i++) t.match((await signIn(app, 'ana', `mal-intento-${i}`, { ip: '10.6.6.6' })).body, WRONG);
  const refused = await signIn(app, 'ana', 'muña-del-cerro', { ip: '10.6.6.6' });
  t.equal(refused.statusCode, 429, 'the guesser waits, even with the right password');
  t.match(refused.body, 'Espere 1 minuto');
  t.equal(refused.headers['retry-after'], '30');
  t.equal(refused.headers['set-cookie'], undefined);
  t.equal((await signIn(app, 'ana', 'muña-del-cerro', { ip: '10.0.0.9' })).statusCode, 303, 'ana from her own address signs in');
  t.equal((await signIn(app, 'rosa', '284719', { ip: '10.6.6.6' })).statusCode, 303, 'another nurse from that address is not locked out');
  clock.ms += 30_000;
  t.match((await signIn(app, 'ana', 'mal-otra-vez', { ip: '10.6.6.6' })).body, WRONG, 'after the delay the guesser may try once more');
  t.equal((await signIn(app, 'ana', 'muña-del-cerro', { ip: '10.6.6.6' })).headers['retry-after'], '60', 'and then waits twice as long');
});

t.test('a PIN account signs in with its PIN', async (t) => {
  const { app } = await setup(t);
  const res = await signIn(app, 'rosa', '284719');
  t.equal(res.statusCode, 303);
  t.equal((await app.inject({ url: '/pacientes', headers: withCookie(sessionCookie(res)) })).body, 'hola Rosa Mamani');
  t.match((await signIn(app, 'rosa', '284710')).body, WRONG);
});

t.test('a disabled account cannot sign in, and its open session stops working', async (t) => {
  const { app, auth } = await setup(t);
  const token = sessionCookie(await signIn(app, 'ana', 'muña-del-cerro'));
  auth.accounts.disable('ana');
  const res = await signIn(app, 'ana', 'muña-del-cerro');
  t.match(res.body, WRONG, 'the same generic message: it does not confirm the password');
  t.match(auth.audit.list({ action: 'session.signInFailed' }), [{ target: 'ana', detail: { reason: 'disabled' } }]);
  t.equal((await app.inject({ url: '/api/x', headers: withCookie(token) })).statusCode, 401);
});

t.test('30 idle minutes end the session: pages go to sign-in saying so, the API answers 401', async (t) => {
  const { app, clock } = await setup(t);
  const token = sessionCookie(await signIn(app, 'ana', 'muña-del-cerro'));
  clock.ms += 29 * MIN;
  t.equal((await app.inject({ url: '/pacientes', headers: withCookie(token) })).statusCode, 200, 'still in use');
  clock.ms += 30 * MIN;
  const page = await app.inject({ url: '/pacientes', headers: withCookie(token) });
  t.equal(page.statusCode, 303);
  t.equal(page.headers.location, '/entrar?volver=%2Fpacientes&vencio=1');
  t.match(String(page.headers['set-cookie']), /chasqui_sesion=;/, 'the dead cookie is cleared');
  t.match((await app.inject({ url: page.headers.location })).body, 'Su sesión terminó');
  const api = await app.inject({ url: '/api/x', headers: withCookie(token) });
  t.equal(api.statusCode, 401);
});

t.test('signing out revokes the session on the server', async (t) => {
  const { app, auth } = await setup(t);
  const token = sessionCookie(await signIn(app, 'ana', 'muña-del-cerro'));
  const out = await app.inject({ method: 'POST', url: '/salir', headers: withCookie(token) });
  t.equal(out.statusCode, 303);
  t.equal(out.headers.location, '/entrar?salio=1');
  t.match(String(out.headers['set-cookie']), /chasqui_sesion=;/);
  t.equal((await app.inject({ url: '/api/x', headers: withCookie(token) })).statusCode, 401, 'a copy of the old cookie is useless');
  t.match(auth.audit.list({ actor: 'ana' })[0], { action: 'session.signOut' });
});

t.test('without a session: /api answers 401 JSON, a page redirects to sign-in and back', async (t) => {
  const { app } = await setup(t);
  const api = await app.inject({ url: '/api/x' });
  t.equal(api.statusCode, 401);
  t.match(api.json(), { error: { code: 'CHASQUI_ERR_AUTH' } });
  const page = await app.inject({ url: '/pacientes?buscar=qu%C3%ADspe' });
  t.equal(page.statusCode, 303);
  const to = new URL(page.headers.location as string, 'http://post');
  t.equal(to.pathname, '/entrar');
  t.equal(to.searchParams.get('volver'), '/pacientes?buscar=qu%C3%ADspe');
  const back = await signIn(app, 'ana', 'muña-del-cerro', { volver: to.searchParams.get('volver')! });
  t.equal(back.headers.location, '/pacientes?buscar=qu%C3%ADspe');
});

t.test('a form posted after the session ended: sign-in brings the nurse back to the page the form was on, never elsewhere', async (t) => {
  const { app } = await setup(t);
  const post = (referer?: string) => app.inject({
    method: 'POST', url: '/casos/c1/fotos', headers: { host: 'posta.local:8080', 'content-type': 'application/x-www-form-urlencoded', ...(referer ? { referer } : {}) }, payload: 'reason=x',
  });
  const volver = (res: LightMyRequestResponse) => new URL(res.headers.location as string, 'http://post').searchParams.get('volver');
  t.equal(volver(await post('http://posta.local:8080/casos/c1?ok=saved&x=1')), '/casos/c1?x=1', 'the draft page, without the last action\'s flash');
  t.equal(volver(await post('https://evil.example/casos/c1')), '/casos/c1/fotos', 'a Referer from another host is not followed');
  t.equal(volver(await post('http://posta.local:8080/entrar?volver=/x')), '/', 'never back to the sign-in page itself');
  t.equal(volver(await post()), '/casos/c1/fotos', 'no Referer: the action, as before');
});

t.test('volver must be a path on this post: anything else goes to /', async (t) => {
  const { app } = await setup(t);
  for (const volver of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/entrar']) {
    t.equal((await signIn(app, 'rosa', '284719', { volver })).headers.location, '/', volver);
  }
  t.match((await app.inject({ url: '/entrar?volver=https%3A%2F%2Fevil' })).body, 'name="volver" value="/"');
});

t.test('the bearer token works from this box and is audited as local-cli; a wrong one is refused', async (t) => {
  const { app, auth, dir } = await setup(t);
  const token = (await import('node:fs')).readFileSync(join(dir, 'api-token'), 'utf8').trim();
  t.equal(statSync(join(dir, 'api-token')).mode & 0o777, 0o600);
  const ok = await app.inject({ url: '/api/x?nombre=Quispe', headers: { authorization: `Bearer ${token}` } });
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { nurse: { username: 'local-cli', role: 'admin' } });
  t.same(auth.audit.list({ actor: 'local-cli' }).map((e) => [e.action, e.from]), [['case.list', '127.0.0.1']], 'one entry, the route\'s own, as local-cli from the box');
  t.notMatch(JSON.stringify(auth.audit.list()), 'Quispe', 'the query string is not logged');
  const wrong = await app.inject({ url: '/api/x', headers: { authorization: `Bearer ${token.slice(1)}x` } });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().error.code, 'CHASQUI_ERR_AUTH');
  t.equal((await app.inject({ url: '/pacientes', headers: { authorization: 'Basic YTpi' } })).statusCode, 401, 'a bad header is never a redirect');
  t.match(auth.audit.list({ action: 'cli.denied' }), [{ actor: 'local-cli', outcome: 'refused' }, { actor: 'local-cli', outcome: 'refused' }]);
  const outside = await app.inject({ url: '/api/x', remoteAddress: '192.168.1.20', headers: { authorization: `Bearer ${token}` } });
  t.equal(outside.statusCode, 401, 'the right token from the Wi-Fi is refused');
});

t.test('wrong tokens lock the token out for a while; sign-in failures named "local-cli" do not', async (t) => {
  const { app, dir, clock } = await setup(t);
  const token = (await import('node:fs')).readFileSync(join(dir, 'api-token'), 'utf8').trim();
  const bearer = (tok: string) => app.inject({ url: '/api/x', headers: { authorization: `Bearer ${tok}` } });
  for (let i = 0; i < 5; i++) await signIn(app, 'local-cli', `guess-${i}`, { ip: `192.168.1.${i + 10}` });
  t.equal((await bearer(token)).statusCode, 200, 'the form cannot be used to lock the command line out');
  for (let i = 0; i < 5; i++) await bearer(`wrong-${i}`);
  const locked = await bearer(token);
  t.equal(locked.statusCode, 401);
  t.match(locked.json().error.message, 'wait 15 min');
  clock.ms += 15 * MIN;
  t.equal((await bearer(token)).statusCode, 200);
});

t.test('the access log page is for admins only, newest first, filtered by nurse and target', async (t) => {
  const { app, auth } = await setup(t);
  auth.audit.record({ actor: 'rosa', action: 'patient.view', target: 'pat-<b>7</b>' });
  auth.audit.record({ actor: 'ana', action: 'case.send', target: 'case-1' });
  const nurse = sessionCookie(await signIn(app, 'ana', 'muña-del-cerro'));
  const denied = await app.inject({ url: '/auditoria', headers: withCookie(nurse) });
  t.equal(denied.statusCode, 403);
  t.match(denied.body, 'Solo un administrador');
  t.equal((await app.inject({ url: '/auditoria' })).statusCode, 303, 'not signed in: to the sign-in page');
  const admin = sessionCookie(await signIn(app, 'jefa', 'hierba-luisa'));
  const all = await app.inject({ url: '/auditoria', headers: withCookie(admin) });
  t.equal(all.statusCode, 200);
  t.ok(all.body.indexOf('Entró') < all.body.indexOf('case-1') && all.body.indexOf('case-1') < all.body.indexOf('pat-'), 'newest first');
  t.match(all.body, 'pat-&lt;b&gt;7&lt;/b&gt;', 'escaped');
  const byRosa = await app.inject({ url: '/auditoria?usuario=rosa', headers: withCookie(admin) });
  t.match(byRosa.body, 'pat-&lt;b&gt;7');
  t.notMatch(byRosa.body, 'case-1');
  const byCase = await app.inject({ url: '/auditoria?objetivo=case-1', headers: withCookie(admin) });
  t.match(byCase.body, 'case-1');
  t.notMatch(byCase.body, 'pat-&lt;');
  t.match(auth.audit.list({ actor: 'jefa', action: 'audit.view' })[0], { detail: { target: 'case-1' } }, 'reading the log is itself logged');
  t.comment(`audit page, ${auth.audit.list().length} entries: ${Buffer.byteLength(all.body)} bytes`);
});
