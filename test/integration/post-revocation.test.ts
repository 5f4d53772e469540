/**
 * A lost or stolen box, end to end: the real CLI revokes it from its own
 * process (it writes SQLite; the running hub notices through PRAGMA
 * data_version), the live session is cut within a second, the box cannot log
 * in again, what it delivered stays. Re-keying with add-post cuts the open
 * session too, and one box holds one session: a second `post-<id>` takes over.
 */
import t from 'tap';
import mqtt from 'mqtt';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postClientId } from '../../hub/broker/embedded-broker.js';
import { runCli } from '../support/cli.js';
import { collectingLogger } from '../support/logger.js';
import { tempDir } from '../support/paths.js';
import { brokerSocket, testTls } from '../support/tls.js';
import { enrolPost, startHub, startPost } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

t.test('revoke-post and add-post cut a running hub\'s sessions of that post', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { logger, lines } = collectingLogger();
  const hub = await startHub({ dir, logger });
  t.teardown(() => hub.stop());
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub') }));
  const stolen = await startPost({ dir, postId: 'post-robado', url: hub.brokerUrl(), ...enrolPost(hub, dir, 'post-robado', { name: 'P.S. Robado' }) });
  t.teardown(() => stolen.stop());
  const rekeyed = await startPost({ dir, postId: 'post-nuevo', url: hub.brokerUrl(), ...enrolPost(hub, dir, 'post-nuevo') });
  t.teardown(() => rekeyed.stop());
  const sessions = (id: string) => hub.broker!.postSessions(id).length;
  await waitFor(() => sessions('post-robado') === 1 && sessions('post-nuevo') === 1, { what: 'both posts connected' });

  await t.test('a delivered case, before', async (t) => {
    stolen.cases.submit({ caseId: 'r1', priority: 'urgent', body: { reason: 'fiebre' }, attachments: [] });
    await waitFor(() => stolen.cases.get('r1')?.status.state === 'delivered', { what: 'r1 delivered' });
    t.equal(hub.cases.count(), 1);
  });

  await t.test('revoked: cut within a second, refused from then on, its cases kept', async (t) => {
    const out = await runCli(['hub', 'revoke-post', 'post-robado', '--config', config]);
    const revokedAt = Date.now();
    t.equal(out.code, 0, out.stderr);
    t.match(JSON.parse(out.stdout), { postId: 'post-robado', already: false, revokedAt: String });
    await waitFor(() => sessions('post-robado') === 0, { what: 'the session cut', intervalMs: 10 });
    const cutMs = Date.now() - revokedAt;
    t.comment(`live session cut ${cutMs} ms after the CLI wrote the revocation`);
    t.ok(cutMs < 1000, 'within a second');
    t.ok(lines.some((l) => l.code === 'CHASQUI_ERR_POST_REVOKED' && l.postId === 'post-robado'), 'the cut is logged with its code');
    // The box keeps retrying every reconnectMs; each try is refused with the code.
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_POST_REVOKED' && l.username === 'post-robado' && l.msg === 'broker login refused'), { what: 'a reconnect refused' });
    t.equal(sessions('post-robado'), 0, 'it never got back in');
    t.equal(hub.posts.isKnown('post-robado'), false, 'the relay no longer accepts its messages');
    t.equal(hub.posts.identityOf('post-robado'), undefined, 'its public keys are gone: nothing signed by the stolen box is believed');
    t.throws(() => hub.sendToPost('post-robado', { kind: 'notice', body: { text: 'hola' } }), { code: 'CHASQUI_ERR_UNKNOWN_POST' }, 'nothing new is queued for it');
    t.equal(hub.cases.count(), 1, 'the case it delivered stays');
    t.equal(hub.cases.list()[0]?.postId, 'post-robado');
    t.match(hub.posts.list().find((p) => p.postId === 'post-robado'), { name: 'P.S. Robado', revokedAt: String }, 'kept, marked revoked');
    const again = await runCli(['hub', 'revoke-post', 'post-robado', '--config', config]);
    t.match(JSON.parse(again.stdout), { already: true }, 'revoking again says so');
  });

  await t.test('a revoked id comes back only with --reinstate', async (t) => {
    const plain = await runCli(['hub', 'add-post', 'post-robado', '--config', config]);
    t.not(plain.code, 0);
    t.match(plain.stderr, /CHASQUI_ERR_POST_REVOKED/);
    const back = await runCli(['hub', 'add-post', 'post-robado', '--reinstate', '--config', config]);
    t.equal(back.code, 0, back.stderr);
    const pw = (JSON.parse(back.stdout) as { hub: { password: string } }).hub.password;
    await waitFor(() => hub.posts.isKnown('post-robado'), { what: 'known again' });
    const box = await mqtt.connectAsync(hub.brokerUrl(), { clientId: postClientId('post-robado'), username: 'post-robado', password: pw, protocolVersion: 4, reconnectPeriod: 0, ...testTls().clientOptions });
    t.equal(box.connected, true, 'the new box, with its new password, gets in');
    await box.endAsync();
  });

  await t.test('re-keyed: the open session is cut, and the old password no longer works', async (t) => {
    const out = await runCli(['hub', 'add-post', 'post-nuevo', '--config', config]);
    const at = Date.now();
    t.equal(out.code, 0, out.stderr);
    await waitFor(() => sessions('post-nuevo') === 0, { what: 'the old session cut', intervalMs: 10 });
    t.ok(Date.now() - at < 1000, `cut in ${Date.now() - at} ms`);
    await waitFor(() => lines.some((l) => l.code === 'CHASQUI_ERR_AUTH' && l.username === 'post-nuevo' && l.reason === 'wrong password'), { what: 'the old password refused' });
    t.equal(sessions('post-nuevo'), 0);
  });
});

t.test('one session per post: a second post-<id> takes the first one over', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const hub = await startHub({ dir });
  t.teardown(() => hub.stop());
  const password = hub.posts.register('post-a');
  const opts = { clientId: postClientId('post-a'), username: 'post-a', password, protocolVersion: 4 as const, reconnectPeriod: 0, clean: false, ...testTls().clientOptions };
  const first = await mqtt.connectAsync(hub.brokerUrl(), opts);
  const closed = new Promise<void>((r) => first.once('close', () => r()));
  const second = await mqtt.connectAsync(hub.brokerUrl(), opts);
  await closed;
  t.equal(second.connected, true, 'the newer session holds the id [MQTT-3.1.4-2]');
  await waitFor(() => hub.broker!.postSessions('post-a').length === 1, { what: 'one session left' });
  await second.endAsync();
});
