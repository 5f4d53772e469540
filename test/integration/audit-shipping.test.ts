/**
 * The post's access log travels to the hub on a real post and hub (real
 * SQLite, real aedes, sealed bundles): the data protection officer finds a
 * nurse's reads there, with address and outcome; the batches wait behind
 * cases (bulk); an entry removed by hand at the post before it left shows as
 * a gap in that post's chain; only the dpo and admin roles open the page.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { Priority, TransferKind } from '../../protocol/priority.js';
import { tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const POST = 'posta-masisea';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(app: FastifyInstance, username: string, secret: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/entrar', headers: FORM, payload: new URLSearchParams({ username, secret, volver: '/' }).toString() });
  const c = (res.cookies as Array<{ name: string; value: string }>).find((x) => x.name === 'chasqui_sesion');
  if (!c) throw new Error(`${username} could not sign in (${res.statusCode})`);
  return `chasqui_sesion=${c.value}`;
}

t.test('a post\'s reads reach the hub, searchable by post, person and outcome, with the chain checked', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: POST });
  const audit = post.auth.audit;
  audit.record({ actor: 'rosa', action: 'patient.view', target: 'pat-1', from: '192.168.4.23' });
  audit.record({ actor: 'rosa', action: 'photo.view', target: 'foto-1', from: '192.168.4.23' });
  audit.record({ actor: 'local-cli', action: 'cli.denied', from: '127.0.0.1', outcome: 'refused' });
  post.cases.submit({ caseId: 'k1', priority: 'routine', body: { reason: 'tos' }, attachments: [] });

  t.equal(post.auditShipping.ship(), 3);
  t.equal(post.auditShipping.ship(), 0, 'what is queued is not queued again');
  const batch = post.db.prepare('SELECT priority FROM outbox_transfers WHERE kind = ?').pluck().get(TransferKind.auditLog);
  t.equal(batch, Priority.bulk, 'behind every case');
  await waitFor(() => hub.postAudit.search({ postId: POST }).length === 3, { what: 'the post log at the hub' });
  await waitFor(() => post.auditShipping.progress().deliveredThrough === 3, { what: 'delivery confirmed to the post' });
  t.same(hub.postAudit.chainOf(POST).problems, []);
  t.match(hub.postAudit.search({ postId: POST, outcome: 'refused' }), [{ actor: 'local-cli', action: 'cli.denied', from: '127.0.0.1' }]);

  // Someone with the box's database removes an entry before it leaves: the hub sees the hole.
  audit.record({ actor: 'rosa', action: 'patient.view', target: 'pat-2', from: '192.168.4.23' });
  audit.record({ actor: 'rosa', action: 'patient.view', target: 'pat-3', from: '192.168.4.23' });
  post.db.exec('DROP TRIGGER audit_log_no_delete');
  post.db.prepare("DELETE FROM audit_log WHERE target = 'pat-2'").run();
  post.auditShipping.ship();
  await waitFor(() => hub.postAudit.search({ postId: POST, target: 'pat-3' }).length === 1, { what: 'the next batch at the hub' });
  t.same(hub.postAudit.chainOf(POST).problems, [{ kind: 'missing', fromId: 4, toId: 4 }]);

  await hub.auth.accounts.create({ username: 'dpo.ucayali', displayName: 'Lic. Elena Torres', role: 'dpo', secret: 'registro-ucayali-2026', kind: 'password', data: { specialties: [] } });
  await hub.auth.accounts.create({ username: 'op.ucayali', displayName: 'Juan Pérez', role: 'operator', secret: 'enlaces-ucayali-2026', kind: 'password', data: { specialties: [] } });
  const dpo = await signIn(hub.app, 'dpo.ucayali', 'registro-ucayali-2026');
  const page = await hub.app.inject({ url: `/auditoria/puestos?puesto=${POST}&usuario=rosa`, headers: { cookie: dpo } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /pat-3/);
  t.match(page.body, /192\.168\.4\.23/);
  t.notMatch(page.body, /cli\.denied|Token de API rechazado/, 'filtered by person');
  t.match(page.body, /data-chain="broken"[^]*faltan los registros n\.º 4 a 4/);
  t.match(hub.auth.audit.list({ actor: 'dpo.ucayali', action: 'audit.postView' }), [{ detail: { postId: POST, actor: 'rosa' } }], 'the search is itself recorded');
  t.equal((await hub.app.inject({ url: '/auditoria', headers: { cookie: dpo } })).statusCode, 200, 'and the hub\'s own log');
  t.equal((await hub.app.inject({ url: '/cola', headers: { cookie: dpo } })).statusCode, 403, 'no clinical page');

  const op = await signIn(hub.app, 'op.ucayali', 'enlaces-ucayali-2026');
  t.equal((await hub.app.inject({ url: '/auditoria/puestos', headers: { cookie: op } })).statusCode, 403);
  t.match(hub.auth.audit.list({ actor: 'op.ucayali', action: 'access.denied' }), [{ detail: { path: '/auditoria/puestos' } }]);
});

t.test('a batch naming another post, or malformed, is refused and stores nothing', async (t) => {
  const { ingestAuditBatch } = await import('../../hub/audit/audit-ingest.js');
  const { PostAuditStore } = await import('../../hub/audit/post-audit-store.js');
  const { buildBundle } = await import('../../protocol/bundle.js');
  const { openDatabase } = await import('../../lib/sqlite.js');
  const db = openDatabase(':memory:');
  t.teardown(() => db.close());
  const store = new PostAuditStore(db, () => 0);
  const ingest = ingestAuditBatch(store, { maxRawBytes: 1 << 20 });
  const entry = { id: 1, at: 0, actor: 'rosa', action: 'patient.view', target: 'p', detail: null, origin: null, outcome: 'allowed', hash: 'a'.repeat(64) };
  const bundle = (origin: string, body: unknown) => buildBundle({ kind: 'audit-log', id: 'x', origin, createdAt: new Date(0).toISOString(), priority: 'bulk', body, attachments: [] }, { maxBytes: 1 << 20 }).bytes;
  t.throws(() => ingest('posta-a', TransferKind.auditLog, bundle('posta-b', { format: 1, prev: '0'.repeat(64), entries: [entry] })), /CHASQUI_ERR_BUNDLE_MALFORMED|comes from posta-b/);
  t.throws(() => ingest('posta-a', TransferKind.auditLog, bundle('posta-a', { format: 1, prev: '0'.repeat(64), entries: [{ ...entry, outcome: 'maybe' }] })), /not an access-log entry/);
  t.throws(() => ingest('posta-a', TransferKind.auditLog, bundle('posta-a', { format: 1, prev: '0'.repeat(64), entries: [entry, { ...entry, id: 3 }] })), /does not follow/);
  t.same(store.search(), []);
  ingest('posta-a', TransferKind.auditLog, bundle('posta-a', { format: 1, prev: '0'.repeat(64), entries: [entry] }));
  ingest('posta-a', TransferKind.auditLog, bundle('posta-a', { format: 1, prev: '0'.repeat(64), entries: [entry] }));
  t.equal(store.search().length, 1, 'a batch that arrives twice is kept once');
  t.match(store.chainOf('posta-a').problems, [{ kind: 'altered', id: 1 }], 'a hash that does not match its fields is shown');
});
