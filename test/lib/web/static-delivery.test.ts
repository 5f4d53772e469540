/**
 * What a browser downloads from a real post, hub and device bridge over
 * loopback HTTP: stylesheets, scripts and pages compressed (brotli, else
 * gzip), photos and event streams not; a favicon at /favicon.ico without
 * signing in, linked from the page shell.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import t from 'tap';
import { loadConfig } from '../../../lib/config.js';
import { buildBridge } from '../../../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema } from '../../../firmware-bridge/bridge/config.js';
import { quietLogger } from '../../support/logger.js';
import { REPO_ROOT, tempDir } from '../../support/paths.js';
import { startPair } from '../../support/stack.js';

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** A raw GET, so the test sees the bytes on the wire (fetch would decompress them). */
function get(url: string, encoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: Raw): Buffer {
  const enc = r.headers['content-encoding'];
  return enc === 'br' ? brotliDecompressSync(r.body) : enc === 'gzip' ? gunzipSync(r.body) : r.body;
}

const file = (rel: string) => readFileSync(join(REPO_ROOT, rel));

t.test('post, hub and bridge send text compressed and have a favicon', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'post-static' });
  const postUrl = `http://127.0.0.1:${(post.app.server.address() as { port: number }).port}`;
  const hubUrl = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const bridge = buildBridge({ config: loadConfig(BridgeConfigSchema, { overrides: { http: { port: 0 }, ports: [] } }), logger: quietLogger() });
  const { url: bridgeUrl } = await bridge.start();
  t.teardown(() => bridge.stop());

  const css = file('lib/web/public/base.css');
  for (const [app, url, own] of [['post', postUrl, 'node/app/public/app.css'], ['hub', hubUrl, 'hub/app/public/hub.css']] as const) {
    const br = await get(`${url}/static/base/base.css`, 'gzip, deflate, br');
    t.equal(br.status, 200);
    t.equal(br.headers['content-encoding'], 'br', `${app}: base.css in brotli when the browser takes it`);
    t.ok(decoded(br).equals(css), `${app}: decodes to the file`);
    t.ok(br.body.length < css.length / 2, `${app}: ${css.length} B → ${br.body.length} B`);
    const gz = await get(`${url}/static/${own.split('/').pop()}`, 'gzip');
    t.equal(gz.headers['content-encoding'], 'gzip', `${app}: gzip for a browser without brotli`);
    t.ok(decoded(gz).equals(file(own)));
    const plain = await get(`${url}/static/base/base.css`);
    t.equal(plain.headers['content-encoding'], undefined, `${app}: as is for a client that asks for no encoding`);
    t.ok(plain.body.equals(css));

    const page = await get(`${url}/entrar`, 'br');
    t.equal(page.status, 200);
    t.equal(page.headers['content-encoding'], 'br', `${app}: the sign-in page compressed`);
    t.match(decoded(page).toString(), /<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml">/, `${app}: the shell links the favicon`);

    const ico = await get(`${url}/favicon.ico`, 'br');
    t.equal(ico.status, 200, `${app}: /favicon.ico without signing in`);
    t.equal(ico.headers['content-type'], 'image/x-icon');
    t.ok(ico.body.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0])), `${app}: an ICO file`);
    const svg = await get(`${url}/favicon.svg`);
    t.equal(svg.headers['content-type'], 'image/svg+xml');
    t.ok(svg.body.equals(file('lib/web/public/favicon.svg')));
  }

  const monitor = await get(`${bridgeUrl}/`, 'br');
  t.equal(monitor.status, 200);
  t.equal(monitor.headers['content-encoding'], 'br', 'bridge: the monitor page compressed');
  t.ok(decoded(monitor).equals(file('firmware-bridge/bridge/public/monitor.html')));
  t.equal((await get(`${bridgeUrl}/monitor.js`, 'gzip')).headers['content-encoding'], 'gzip', 'bridge: its script compressed');
  t.equal((await get(`${bridgeUrl}/favicon.ico`)).status, 200, 'bridge: a favicon');
});
