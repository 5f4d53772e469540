/**
 * A GPS-tagged phone photo, submitted at a real post by each path a photo can
 * take (the nurse app's upload, the JSON API, `chasqui post submit` in its own
 * process), reaches a real hub oriented, resized and with no metadata; an ECG
 * sent beside it arrives byte for byte.
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Hub } from '../../hub/hub.js';
import { PHOTO_DEFAULTS } from '../../node/photos/photo-pipeline.js';
import { API_TOKEN_FILE } from '../../node/auth/api-token.js';
import type { Post } from '../../node/post.js';
import { apiAuth } from '../support/api-auth.js';
import { runCli } from '../support/cli.js';
import { HAS_EXIFTOOL, photoFindings } from '../support/photo-checks.js';
import { sharedFile, SHARED_DATA, tempDir } from '../support/paths.js';
import { startPair } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const GPS_PHOTO = 'photos/iphone_hdr_YES.jpg';
const photo = sharedFile(GPS_PHOTO);
const ecg = sharedFile('ecg/mitdb/100s.dat');

async function atHub(hub: Hub, caseId: string) {
  await waitFor(() => hub.cases.list(100).some((c) => c.caseId === caseId), { what: `${caseId} at the hub`, timeoutMs: 60_000 });
  return hub.cases.list(100).find((c) => c.caseId === caseId)!;
}

/** The hub's copy of the case's one image: no metadata by either reader, within the pipeline's size. */
async function checkPhotoAtHub(t: Test, hub: Hub, caseId: string): Promise<void> {
  const c = await atHub(hub, caseId);
  const images = c.attachments.filter((a) => a.mediaType.startsWith('image/'));
  t.equal(images.length, 1, 'one image attachment');
  const img = images[0]!;
  t.equal(img.mediaType, 'image/jpeg');
  t.match(img.name, /\.jpe?g$/);
  const bytes = hub.cases.blobs.get(img.sha256)!;
  t.not(img.sha256, undefined);
  t.ok(bytes.length <= PHOTO_DEFAULTS.maxBytes, `${bytes.length} B ≤ ${PHOTO_DEFAULTS.maxBytes} B (the original is ${photo.length} B)`);
  const f = await photoFindings(bytes);
  t.equal(f.format, 'jpeg');
  t.same(f.parsed, [], 'sharp finds no EXIF, XMP, IPTC, ICC or orientation');
  const long = Math.max(f.width, f.height);
  t.ok(long >= PHOTO_DEFAULTS.minLongEdge && long <= PHOTO_DEFAULTS.maxLongEdge, `long edge ${long} px within the pipeline's limits`);
  if (HAS_EXIFTOOL) t.same(f.exiftool, [], 'exiftool finds no tag: no GPS, no camera');
  else if (process.env.CI === 'true') t.fail('exiftool is required under CI=true (apt-get install libimage-exiftool-perl)');
  else t.comment('exiftool not installed: checked by parsing only');
}

async function signIn(post: Post, url: string): Promise<string> {
  await post.auth.accounts.create({ username: 'rosa', displayName: 'Rosa Condori', kind: 'password', secret: 'muña-del-cerro' });
  const res = await fetch(`${url}/entrar`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'rosa', secret: 'muña-del-cerro', volver: '/' }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chasqui_sesion='));
  if (!cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

t.test('a GPS-tagged photo leaves the post clean by every path', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const { hub, post } = await startPair(t, { dir, postId: 'post-photos' });
  const postUrl = `http://127.0.0.1:${(post.app.server.address() as AddressInfo).port}`;
  const token = join(post.config.dataDir, API_TOKEN_FILE);

  await t.test('the nurse app: upload, then send', async (t) => {
    const cookie = await signIn(post, postUrl);
    const go = (path: string, init: RequestInit = {}) => fetch(`${postUrl}${path}`, { redirect: 'manual', ...init, headers: { cookie, ...init.headers } });
    const formPost = (path: string, fields: Record<string, string>) =>
      go(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    const patient = await formPost('/pacientes', { names: 'María', surnames: 'Quispe Huamán', docKind: 'DNI', docNumber: '40123456', birthDate: '1987-03-14', sex: 'F', community: 'Ccapac' });
    const patientId = /^\/pacientes\/([0-9a-f-]{36})/.exec(patient.headers.get('location') ?? '')?.[1];
    t.ok(patientId, `patient registered (${patient.status})`);
    const draft = await go(`/pacientes/${patientId}/casos`, { method: 'POST' });
    const caseId = /^\/casos\/([0-9a-f-]{36})/.exec(draft.headers.get('location') ?? '')?.[1];
    t.ok(caseId, 'draft created');
    const fd = new FormData();
    fd.append('photos', new Blob([photo], { type: 'image/jpeg' }), 'iphone_hdr_YES.jpg');
    t.equal((await go(`/casos/${caseId}/fotos`, { method: 'POST', body: fd })).status, 303, 'photo uploaded');
    t.equal((await formPost(`/casos/${caseId}/enviar`, { reason: 'Lesión en la pierna', history: '', priority: 'routine' })).status, 303, 'sent');
    await checkPhotoAtHub(t, hub, caseId!);
  });

  await t.test('the JSON API, also when the photo is not called an image', async (t) => {
    for (const [caseId, mediaType, name] of [['api-1', 'image/jpeg', 'lesion.jpg'], ['api-2', 'application/octet-stream', 'lesion.bin']] as const) {
      const res = await fetch(`${postUrl}/api/cases`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...apiAuth(post.config.dataDir) },
        body: JSON.stringify({
          caseId, priority: 'routine', body: { reason: 'Lesión' },
          attachments: [{ name, mediaType, dataBase64: photo.toString('base64') }, { name: '100s.dat', mediaType: 'application/x-wfdb-signal', dataBase64: ecg.toString('base64') }],
        }),
      });
      const answer = (await res.clone().text()).slice(0, 200);
      t.equal(res.status, 201, answer);
      await checkPhotoAtHub(t, hub, caseId);
      const dat = (await atHub(hub, caseId)).attachments.find((a) => a.name === '100s.dat')!;
      t.ok(hub.cases.blobs.get(dat.sha256)?.equals(ecg), 'the ECG beside it is byte-identical');
    }
  });

  await t.test('chasqui post submit, in its own process', async (t) => {
    const copy = join(dir, 'foto.jpeg');
    writeFileSync(copy, photo);
    const res = await runCli(['post', 'submit', '--url', postUrl, '--token-file', token, '--case-id', 'cli-1', '--reason', 'Lesión', copy, join(SHARED_DATA, 'ecg/mitdb/100s.hea')]);
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /case cli-1: waiting|case cli-1: sending|case cli-1: delivered/);
    await checkPhotoAtHub(t, hub, 'cli-1');
    const hea = (await atHub(hub, 'cli-1')).attachments.find((a) => a.name === '100s.hea')!;
    t.ok(hub.cases.blobs.get(hea.sha256)?.equals(sharedFile('ecg/mitdb/100s.hea')), 'the ECG header is unchanged');
  });
});
