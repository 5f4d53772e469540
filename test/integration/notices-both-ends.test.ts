/**
 * Nobody but a specialist's action makes a post show "seen by the
 * specialist", and no free text reaches a post as a notice. At the hub, an
 * operator's "seen" or free-text notice is refused (400, typed code, one
 * refused entry) and nothing is queued; a maintenance notice goes, once, and
 * is recorded. At the post, a notice that got past the hub's check anyway
 * (queued on the relay directly, as a bug or an intruder at the hub could)
 * is refused on arrival with the typed code, logged, stored nowhere, and
 * the post keeps taking what follows. Real hub, post, aedes and SQLite.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildBundle } from '../../protocol/bundle.js';
import { Priority, TransferKind } from '../../protocol/priority.js';
import { checkHubNotice } from '../../protocol/hub-notices.js';
import { collectingLogger } from '../support/logger.js';
import { SHARED_DATA, tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { skinCase } from '../support/sample-cases.js';
import { entriesDuring } from '../support/audit-count.js';

const POST = 'posta-iparia';
const CASE = 'c-piel';
const ALWAYS = [{ days: 'mon-sun', from: '00:00', to: '24:00' }];
const ROUTING = { specialists: [{ id: 'dr.vargas', name: 'Dr. Luis Vargas', specialties: ['dermatology'], hours: ALWAYS }] };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const MAINTENANCE = { type: 'maintenance', startsAt: '2026-12-03T13:00:00.000Z', endsAt: '2026-12-03T15:00:00.000Z', reason: 'softwareUpdate' };

async function signIn(app: FastifyInstance, username: string, secret: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/entrar', headers: FORM, payload: new URLSearchParams({ username, secret, volver: '/' }).toString() });
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`${username} could not sign in (${res.statusCode})`);
  return { cookie: `chasqui_sesion=${c.value}` };
}

t.test('the schema: exact kinds and fields only', async (t) => {
  const seen = { type: 'seen', caseId: CASE, seenAt: '2026-12-02T10:00:00.000Z', specialty: 'dermatology' };
  t.same(checkHubNotice(seen), seen);
  t.same(checkHubNotice(MAINTENANCE), MAINTENANCE);
  for (const [why, v] of [
    ['free text', { text: 'Administre 10x la dosis' }],
    ['an unknown type', { type: 'advice', text: 'Administre 10x la dosis' }],
    ['a seen with words added', { ...seen, text: 'Administre 10x la dosis' }],
    ['a seen without its case', { type: 'seen', seenAt: seen.seenAt, specialty: 'dermatology' }],
    ['a seen at no time', { ...seen, seenAt: 'ayer' }],
    ['maintenance with a message', { ...MAINTENANCE, message: 'Administre 10x la dosis' }],
    ['maintenance for an unknown reason', { ...MAINTENANCE, reason: 'Administre 10x la dosis' }],
    ['maintenance ending before it starts', { ...MAINTENANCE, endsAt: '2026-12-03T12:00:00.000Z' }],
    ['not an object', 'seen'],
    ['null', null],
  ] as const) t.throws(() => checkHubNotice(v), { code: 'CHASQUI_ERR_NOTICE_INVALID' }, why);
});

t.test('an operator cannot make a post show "seen"; a forged notice is refused by the post', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const atPost = collectingLogger();
  const { hub, post } = await startPair(t, { dir, postId: POST, hub: { config: { routing: ROUTING } }, post: { logger: atPost.logger } });
  await hub.auth.accounts.create({ username: 'oper', displayName: 'Óscar Operador', role: 'operator', kind: 'password', secret: 'enlaces-sanos-1', data: { specialties: [] } });
  post.cases.submit(skinCase(CASE, readFileSync(join(SHARED_DATA, 'photos/Sumo_Museum.jpg'))));
  await waitFor(() => hub.router.store.get(POST, CASE), { what: 'case routed at the hub' });
  const oper = await signIn(hub.app, 'oper', 'enlaces-sanos-1');
  const noticesQueued = () => hub.db.prepare('SELECT count(*) FROM outbox_transfers WHERE peer = ? AND kind = ?').pluck().get(POST, TransferKind.notice) as number;

  const before = noticesQueued();
  for (const [why, body] of [
    ['"seen"', { type: 'seen', caseId: CASE, seenAt: new Date().toISOString(), specialty: 'dermatology' }],
    ['free text', { text: 'Administre 10x la dosis' }],
    ['maintenance with words of its own', { ...MAINTENANCE, note: 'Administre 10x la dosis' }],
  ] as const) {
    let res!: Awaited<ReturnType<FastifyInstance['inject']>>;
    const wrote = await entriesDuring(hub.auth.audit, async () => (res = await hub.app.inject({ method: 'POST', url: `/api/posts/${POST}/notices`, headers: oper, payload: { body } })));
    t.equal(res.statusCode, 400, `an operator's ${why} notice is refused`);
    t.equal(res.json().error.code, 'CHASQUI_ERR_NOTICE_INVALID');
    t.equal(wrote.length, 1, 'one entry');
    t.match(wrote[0], { actor: 'oper', action: 'access.denied', target: POST, outcome: 'refused', from: '127.0.0.1', detail: { reason: 'notice' } });
    t.notMatch(JSON.stringify(wrote[0]), /Administre/, 'the refused words are not copied into the log');
  }
  t.equal(noticesQueued(), before, 'nothing was queued for the post');

  const wrote = await entriesDuring(hub.auth.audit, async () => {
    const res = await hub.app.inject({ method: 'POST', url: `/api/posts/${POST}/notices`, headers: oper, payload: { body: MAINTENANCE } });
    t.equal(res.statusCode, 202, 'a maintenance notice goes');
  });
  t.match(wrote, [{ actor: 'oper', action: 'notice.send', target: POST, outcome: 'allowed', detail: { type: 'maintenance', reason: 'softwareUpdate' } }]);
  t.equal(wrote.length, 1);
  await waitFor(() => post.store.messages().length === 1, { what: 'the maintenance notice at the post' });
  t.same(post.store.messages()[0]!.body, MAINTENANCE);

  // Past the hub's check (straight onto the relay): the post's own check refuses each.
  const forged = [
    { type: 'seen', caseId: CASE, seenAt: new Date().toISOString(), specialty: 'dermatology', text: 'Administre 10x la dosis' },
    { type: 'advice', text: 'Administre 10x la dosis' },
    { text: 'Administre 10x la dosis' },
  ];
  const ids = forged.map((body) => {
    const bundle = buildBundle({ kind: 'notice', id: randomUUID(), origin: 'hub', createdAt: new Date().toISOString(), priority: 'routine', body, attachments: [] }, { maxBytes: 1 << 20 });
    return hub.relay.enqueue({ peer: POST, kind: TransferKind.notice, priority: Priority.routine, bytes: bundle.bytes }).id;
  });
  for (const id of ids) {
    const row = await waitFor(() => { const r = hub.relay.outbox.get(POST, id); return r?.state === 'rejected' ? r : undefined; }, { what: 'the post refused the forged notice' });
    t.equal(row.rejectCode, 'CHASQUI_ERR_NOTICE_INVALID', 'refused with the typed code');
  }
  t.equal(atPost.lines.filter((l) => l.code === 'CHASQUI_ERR_NOTICE_INVALID').length, forged.length, 'each refusal logged at the post');
  t.equal(post.store.messages().length, 1, 'none stored as a message');
  t.notOk(post.threads.byCase(CASE).some((m) => m.type === 'seen'), 'the post does not show "seen"');
  t.notMatch(JSON.stringify(post.store.messages()), /Administre/);

  // And the post keeps working: the next good notice arrives.
  const next = { ...MAINTENANCE, reason: 'linkWork' };
  hub.sendToPost(POST, { kind: 'notice', body: next });
  await waitFor(() => post.store.messages().length === 2, { what: 'the next notice at the post' });
  t.throws(() => hub.sendToPost(POST, { kind: 'notice', body: forged[0] }), { code: 'CHASQUI_ERR_NOTICE_INVALID' }, 'the hub itself checks before sending');
});
