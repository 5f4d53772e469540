/**
 * The hub operator's maintenance notice, end to end: sent from the hub's API,
 * carried down the link, and shown on the nurse's first page in the region's
 * time, with why cases wait and that they leave by themselves; a window that
 * is over is not shown, one under way says so. Real hub, post, aedes, SQLite;
 * both on one injected clock.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { maintenanceAhead } from '../../../node/messages/maintenance-windows.js';
import { tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';
import { form } from './nurse-app.js';

const HOUR = 3_600_000;
// 09:00 in Lima; the clock moves with real time from there so the link works.
const START = Date.parse('2026-12-02T14:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function cookieOf(app: FastifyInstance, username: string, secret: string): Promise<string> {
  const res = await app.inject(form('POST', '/entrar', { username, secret, volver: '/' }));
  const c = res.cookies.find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`${username} could not sign in (${res.statusCode})`);
  return `chasqui_sesion=${c.value}`;
}

t.test('only windows not over yet, soonest first, each once; a malformed row is left out', async (t) => {
  const w = (from: number, to: number, reason = 'linkWork') => ({ body: { type: 'maintenance', startsAt: iso(START + from * HOUR), endsAt: iso(START + to * HOUR), reason } });
  const stored = [w(5, 6, 'powerWork'), w(-3, -1), w(1, 2), w(1, 2), { body: { type: 'maintenance', startsAt: 'mañana' } }, { body: { text: 'libre' } }];
  t.same(maintenanceAhead(stored, START).map((n) => [n.startsAt, n.reason]), [[iso(START + HOUR), 'linkWork'], [iso(START + 5 * HOUR), 'powerWork']]);
  t.same(maintenanceAhead(stored, START + 10 * HOUR), [], 'all over: none');
});

t.test('an operator announces a window; the nurse sees it on her first page, in Lima time', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  let offset = 0;
  const began = Date.now();
  const clock = { now: () => START + offset + (Date.now() - began) };
  const { hub, post } = await startPair(t, { dir, postId: 'posta-iparia', hub: { clock }, post: { clock } });
  await hub.auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'password', secret: 'enlaces-sanos-1', data: { specialties: [] } });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026', role: 'nurse' });
  const oper = await cookieOf(hub.app, 'oper', 'enlaces-sanos-1');
  // Signed in afresh each time: hours pass on the clock, and a session ends when it idles.
  const home = async () => (await post.app.inject({ url: '/', headers: { cookie: await cookieOf(post.app, 'rosa', 'ucayali-2026') } })).body;
  t.notMatch(await home(), /Mantenimiento del enlace/, 'no notice, no card');

  for (const body of [
    { type: 'maintenance', startsAt: iso(START + 2 * HOUR), endsAt: iso(START + 4 * HOUR), reason: 'softwareUpdate' },
    { type: 'maintenance', startsAt: iso(START - 5 * HOUR), endsAt: iso(START - 4 * HOUR), reason: 'powerWork' },
  ]) {
    const res = await hub.app.inject({ method: 'POST', url: '/api/posts/posta-iparia/notices', headers: { cookie: oper }, payload: { body } });
    t.equal(res.statusCode, 202, `the ${body.reason} notice goes`);
  }
  await waitFor(() => post.store.messages().length === 2 || undefined, { what: 'both notices at the post' });

  const page = await home();
  t.match(page, /Mantenimiento del enlace/);
  t.match(page, /Previsto del 02\/12\/2026 11:00 \(hora de Lima\) al 02\/12\/2026 13:00 \(hora de Lima\): actualización del programa del hub\./, 'the window, in Lima time, and why');
  t.match(page, /salen solos cuando vuelva el enlace/, 'and that cases leave by themselves');
  t.notMatch(page, /trabajos en la energía/, 'a window already over is not shown');

  offset = 3 * HOUR;
  t.match(await home(), /En curso hasta el 02\/12\/2026 13:00 \(hora de Lima\): actualización del programa del hub\./, 'under way, it says until when');
  offset = 5 * HOUR;
  t.notMatch(await home(), /Mantenimiento del enlace/, 'over: the card is gone');
});
