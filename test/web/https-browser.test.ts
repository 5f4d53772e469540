/**
 * Both apps over their own HTTPS, in a real Chromium that trusts exactly
 * each app's certificate (its public key pinned, as a phone trusts the one
 * certificate a nurse installed): the sign-in works, the session cookie is
 * Secure, HSTS is sent, the certificate itself downloads at /certificado.crt.
 * Plain HTTP to the HTTPS port fails without hurting the app; a configured
 * certificate that is not there stops the build and names the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../../lib/auth/sign-in.js';
import { webTlsFiles } from '../../lib/tls/web-tls.js';
import { buildPost } from '../../node/post.js';
import { chromiumSkip, launchBrowser, phonePage } from '../support/browser.js';
import { quietLogger } from '../support/logger.js';
import { tempDir } from '../support/paths.js';
import { postConfig, startPair } from '../support/stack.js';
import { testTls } from '../support/tls.js';

const HTTPS = { http: { port: 0, tls: { enabled: true } } };
const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

t.test('a nurse and a specialist sign in over the apps\' HTTPS; the cookie is Secure and HSTS is on', { skip: chromiumSkip() }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'posta-https', hub: { config: HTTPS }, post: { config: HTTPS } });
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Huamán', kind: 'password', secret: 'ucayali-2026' });
  await hub.auth.accounts.create({ username: 'dra.quispe', displayName: 'Dra. Carmen Quispe', role: 'specialist', kind: 'password', secret: 'corazon-andino-7', data: { specialties: ['cardiology'] } });
  const certOf = (dataDir: string) => readFileSync(webTlsFiles(dataDir).certFile);
  const browser = await launchBrowser({ trust: [certOf(post.config.dataDir), certOf(hub.config.dataDir)] });
  t.teardown(() => browser.close());

  for (const [name, server, dataDir, user, secret] of [
    ['post', post.app, post.config.dataDir, 'rosa', 'ucayali-2026'],
    ['hub', hub.app, hub.config.dataDir, 'dra.quispe', 'corazon-andino-7'],
  ] as const) {
    await t.test(name, async (t) => {
      const base = `https://127.0.0.1:${portOf(server)}`;
      const { context, page } = await phonePage(browser);
      const signIn = await page.goto(`${base}/entrar`);
      t.equal(signIn?.status(), 200, 'the sign-in page loads over HTTPS, with no certificate error');
      t.match(signIn?.headers()['strict-transport-security'], /^max-age=15552000$/, 'HSTS');
      await page.fill('[name=username]', user);
      await page.fill('[name=secret]', secret);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/entrar')), page.click('form button')]);
      t.equal(new URL(page.url()).protocol, 'https:', 'signed in, still on HTTPS');
      const session = (await context.cookies(base)).find((c) => c.name === SESSION_COOKIE);
      t.same([session?.secure, session?.httpOnly, session?.sameSite], [true, true, 'Lax'], 'the session cookie is Secure');
      const home = await page.goto(`${base}/`);
      t.same([home?.status(), new URL(page.url()).pathname.startsWith('/entrar')], [200, false], 'the session holds');
      // The certificate a phone installs, fetched by the page as its browser downloads it.
      const got = await page.evaluate(async () => {
        const r = await fetch('/certificado.crt');
        return { type: r.headers.get('content-type'), bytes: [...new Uint8Array(await r.arrayBuffer())] };
      });
      t.equal(got.type, 'application/x-x509-ca-cert');
      t.same(Buffer.from(got.bytes), readFileSync(webTlsFiles(dataDir).derFile), '/certificado.crt is the served certificate, as DER');
      await context.close();
    });
  }

  // A phone with an old http:// bookmark: the connection fails, the app goes on serving.
  const plain = await fetch(`http://127.0.0.1:${portOf(post.app)}/healthz`).then((r) => `answered ${r.status}`, (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message);
  t.match(plain, /ECONNRESET|UND_ERR_SOCKET/, `plain HTTP to the HTTPS port fails (${plain})`);
  const { page } = await phonePage(browser);
  t.equal((await page.goto(`https://127.0.0.1:${portOf(post.app)}/healthz`))?.status(), 200, 'and the post still answers over HTTPS');

  // The pin is what makes it work: a browser that trusts another certificate is stopped, as an untouched phone is.
  const stranger = await launchBrowser({ trust: [testTls().cert] });
  t.teardown(() => stranger.close());
  const other = await phonePage(stranger);
  await t.rejects(other.page.goto(`https://127.0.0.1:${portOf(post.app)}/entrar`), /net::ERR_CERT_AUTHORITY_INVALID/, 'an untrusting browser gets a certificate error');
});

t.test('a configured certificate that is not there stops the build, names the file, and opens nothing', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const cert = join(dir, 'etc/chasqui/web-cert.pem');
  const config = postConfig({ dir, postId: 'posta-sin-cert', url: 'mqtt://127.0.0.1:1', password: 'x', config: { http: { host: '0.0.0.0', port: 0, tls: { cert, key: join(dir, 'etc/chasqui/web-key.pem') } } } });
  t.throws(() => buildPost({ config, logger: quietLogger() }), { code: 'CHASQUI_ERR_TLS_CERT', message: new RegExp(`cannot read the post's web certificate ${cert}: ENOENT`) });
  t.notOk(existsSync(join(config.dataDir, 'post.sqlite')), 'no database opened');
});
