/**
 * GET /api/cie10 through fastify's inject, with the hub's real sign-in on a
 * real SQLite file and the real classification: a specialist searches by
 * words and by code; without a session 401; an operator or an admin, who
 * write no counter-references, 403 (hub/auth/hub-access.ts).
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import t from 'tap';
import type { ScryptParams } from '../../../lib/auth/secret-hash.js';
import { installErrorHandler } from '../../../lib/http-errors.js';
import { openDatabase } from '../../../lib/sqlite.js';
import { hubAppPlugin } from '../../../hub/app/app-plugin.js';
import { registerHubAuth } from '../../../hub/auth/hub-auth.js';
import { cie10Api } from '../../../hub/terminology/cie10-api.js';
import { loadCie10 } from '../../../hub/terminology/cie10-file.js';
import { quietLogger } from '../../support/logger.js';
import { tempDir } from '../../support/paths.js';

const FAST: ScryptParams = { N: 1024, r: 8, p: 1, keyLen: 32 };

async function setup(t: { teardown(fn: () => Promise<void> | void): void }): Promise<FastifyInstance> {
  const { dir, cleanup } = tempDir();
  const db = openDatabase(join(dir, 'hub.sqlite'));
  const app = Fastify();
  installErrorHandler(app);
  void app.register(hubAppPlugin);
  const auth = registerHubAuth(app, { db, clock: { now: () => 1_700_000_000_000 }, logger: quietLogger(), scrypt: FAST });
  cie10Api(app, loadCie10());
  await auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  await auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'pin', secret: '284719' });
  await auth.accounts.create({ username: 'jefe', displayName: 'Julia Admin', role: 'admin', kind: 'password', secret: 'registro-seguro' });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    db.close();
    cleanup();
  });
  return app;
}

async function session(app: FastifyInstance, username: string, secret: string): Promise<{ cookie: string }> {
  const res: LightMyRequestResponse = await app.inject({
    method: 'POST', url: '/entrar', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, secret }).toString(),
  });
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`no session cookie (status ${res.statusCode})`);
  return { cookie: `chasqui_sesion=${c.value}` };
}

type Answer = { query: string; exact: { code: string; description: string } | null; results: Array<{ code: string; description: string }> };

t.test('a specialist searches by words and by code', async (t) => {
  const app = await setup(t);
  const headers = await session(app, 'dra.quispe', 'corazon-andino-7');
  const words = await app.inject({ url: '/api/cie10?q=hipert', headers });
  t.equal(words.statusCode, 200);
  const w = words.json<Answer>();
  t.equal(w.results[0]?.code, 'I10X');
  t.equal(w.results[0]?.description, 'Hipertensión esencial (primaria)');
  t.ok(w.results.length <= 20);
  const code = (await app.inject({ url: `/api/cie10?q=${encodeURIComponent('i21.4')}`, headers })).json<Answer>();
  t.same(code.results[0], { code: 'I214', description: 'Infarto subendocárdico agudo del miocardio' });
  t.same(code.exact, code.results[0], 'the query is a code: it is named');
  t.equal(w.exact, null, 'words are no code');
  t.equal((await app.inject({ url: '/api/cie10?q=I10', headers })).json<Answer>().exact?.code, 'I10X');
  const o = (await app.inject({ url: '/api/cie10?q=I1O', headers })).json<Answer>();
  t.equal(o.exact, null, 'I1O (letter O) is no code');
  t.same(o.results, []);
  t.equal((await app.inject({ url: '/api/cie10?q=hipert&limit=3', headers })).json<Answer>().results.length, 3);
  t.equal((await app.inject({ url: '/api/cie10?q=hipert&limit=500', headers })).statusCode, 400, 'limit is bounded');
  t.equal((await app.inject({ url: '/api/cie10', headers })).statusCode, 400, 'q is required');
});

t.test('no session 401; operators and admins 403', async (t) => {
  const app = await setup(t);
  t.equal((await app.inject({ url: '/api/cie10?q=hipert' })).statusCode, 401);
  t.equal((await app.inject({ url: '/api/cie10?q=hipert', headers: await session(app, 'oper', '284719') })).statusCode, 403);
  t.equal((await app.inject({ url: '/api/cie10?q=hipert', headers: await session(app, 'jefe', 'registro-seguro') })).statusCode, 403);
});
