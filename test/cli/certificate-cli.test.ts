/** `chasqui post certificate`, `chasqui hub certificate` and `hub init`: the web certificate made once, its fingerprint for the label; the CLI reaches an HTTPS post. */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';
import { someHubIdentity, startPost } from '../support/stack.js';

const postJson = (dir: string, http: Record<string, unknown>, dataDir = join(dir, 'post')) => {
  const file = join(dir, 'post.json');
  writeFileSync(file, JSON.stringify({ postId: 'posta-yarina', dataDir, hub: { password: 'x', identity: someHubIdentity() }, http }));
  return file;
};

t.test('post certificate: made once for the box, fingerprint for the label, PEM and the .crt a phone installs; --force replaces it', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = postJson(dir, { host: '0.0.0.0', port: 8080, tls: { names: ['posta-yarina.minsa.pe'] } });
  const first = await runCli(['post', 'certificate', '--config', config]);
  t.equal(first.code, 0, first.stderr);
  const pem = join(dir, 'post/tls/web-cert.pem');
  const x = new X509Certificate(readFileSync(pem));
  t.match(first.stdout, `web certificate: ${pem} created`);
  t.match(first.stdout, `for phones (DER): ${join(dir, 'post/tls/web-cert.crt')}`);
  t.match(first.stdout, `SHA-256 fingerprint: ${x.fingerprint256}  <- write it on the box's label`);
  t.match(first.stdout, 'served over HTTPS on 0.0.0.0:8080; phones download it at https://ADDRESS:8080/certificado.crt');
  t.ok(x.subjectAltName?.includes('DNS:posta-yarina.minsa.pe'), 'the configured name');
  t.same(readFileSync(join(dir, 'post/tls/web-cert.crt')), x.raw, 'the .crt is the same certificate');
  const again = await runCli(['post', 'certificate', '--config', config]);
  t.match(again.stdout, 'kept (chasqui post certificate --force replaces it)');
  t.match(again.stdout, x.fingerprint256);
  const forced = await runCli(['post', 'certificate', '--force', '--config', config]);
  t.match(forced.stdout, 'created');
  t.notMatch(forced.stdout, x.fingerprint256, 'a new one');
  const loopback = await runCli(['post', 'certificate', '--config', postJson(dir, { host: '127.0.0.1' })]);
  t.match(loopback.stdout, 'not served: http.host 127.0.0.1 is loopback, so the post speaks plain HTTP', 'says when it is not in use');
});

t.test('hub init and hub certificate show the specialists\' app\'s certificate', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const config = join(dir, 'hub.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'hub'), http: { host: '0.0.0.0' } }));
  const init = await runCli(['hub', 'init', '--config', config]);
  t.equal(init.code, 0, init.stderr);
  const web = new X509Certificate(readFileSync(join(dir, 'hub/tls/web-cert.pem')));
  t.match(init.stdout, `SHA-256 fingerprint: ${web.fingerprint256}  <- write it on the box's label`);
  t.not(web.fingerprint256, new X509Certificate(readFileSync(join(dir, 'hub/tls/hub-cert.pem'))).fingerprint256, 'not the broker\'s certificate');
  const shown = await runCli(['hub', 'certificate', '--config', config]);
  t.match(shown.stdout, `web certificate: ${join(dir, 'hub/tls/web-cert.pem')} kept`);
  t.match(shown.stdout, web.fingerprint256);
});

t.test('post status reaches a post that serves HTTPS, trusting its own certificate', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const post = await startPost({ dir, postId: 'posta-yarina', url: 'mqtt://127.0.0.1:1', password: 'x', config: { http: { port: 0, tls: { enabled: true } } } });
  t.teardown(() => post.stop());
  const port = (post.app.server.address() as { port: number }).port;
  const config = postJson(dir, { port, tls: { enabled: true } }, post.config.dataDir);
  const status = await runCli(['post', 'status', '--config', config]);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, 'no cases yet');
});
