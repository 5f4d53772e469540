/**
 * `chasqui photo prepare` run in-process (photoCommand with a captured output):
 * what a field engineer reads, and the error codes main.ts turns into a
 * non-zero exit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { isChasquiError } from '../../lib/errors.js';
import { photoCommand } from '../../cli/photo-commands.js';
import { SHARED_DATA, tempDir } from '../support/paths.js';

const photo = (name: string) => join(SHARED_DATA, 'photos', name);

async function run(args: string[]): Promise<{ code?: number; out: string; err?: unknown }> {
  let out = '';
  try {
    const code = await photoCommand(args, { out: (s) => void (out += s) });
    return { code, out };
  } catch (err) {
    return { out, err };
  }
}

t.test('prepare writes the photo and its thumbnail and prints what it did', async (t) => {
  const { dir, cleanup } = tempDir('chasqui-photo-cli-');
  t.teardown(cleanup);
  const out = join(dir, 'out.jpg');
  const thumb = join(dir, 'thumb.jpg');
  const r = await run(['prepare', photo('canon_hdr_NO.jpg'), out, '--thumbnail', thumb]);
  t.equal(r.code, 0, String(r.err));
  t.match(r.out, /^wrote\s+.*out\.jpg$/m);
  t.match(r.out, /^bytes\s+\d+ \(\d+\.\d KiB; target ≤ 150 KiB; was 784371\)$/m);
  t.match(r.out, /^dimensions\s+1200×1600 \(was 1536×2048 JPEG\)$/m, 'oriented: the portrait photo stays portrait');
  t.match(r.out, /^ssim\s+0\.9[7-9]\d\d /m);
  t.match(r.out, /^quality\s+\d+$/m);
  t.match(r.out, /^ms\s+\d+ \(\d+ encodes\)$/m);
  t.match(r.out, /^warnings\s+none$/m);
  const m = await sharp(readFileSync(out)).metadata();
  t.same([m.format, m.width, m.height, m.exif], ['jpeg', 1200, 1600, undefined]);
  t.equal((await sharp(readFileSync(thumb)).metadata()).height, 320);
});

t.test('a target that cannot be met is printed as a warning, and the photo is still written', async (t) => {
  const { dir, cleanup } = tempDir('chasqui-photo-cli-');
  t.teardown(cleanup);
  const r = await run(['prepare', photo('Sumo_Museum.jpg'), join(dir, 'out.jpg'), '--max-kib', '50']);
  t.equal(r.code, 0, String(r.err));
  t.match(r.out, /^warnings\s+Sumo_Museum\.jpg is \d+ KiB, over the 50 KiB target/m);
  t.ok(existsSync(join(dir, 'out.jpg')));
});

t.test('bad input fails with a CHASQUI_ERR code and writes nothing', async (t) => {
  const { dir, cleanup } = tempDir('chasqui-photo-cli-');
  t.teardown(cleanup);
  const text = join(dir, 'foto.jpg');
  writeFileSync(text, 'esto no es una foto\n');
  const bad = await run(['prepare', text, join(dir, 'out.jpg')]);
  t.ok(isChasquiError(bad.err, 'CHASQUI_ERR_BAD_REQUEST'), 'a text file named .jpg');
  t.match((bad.err as Error).message, /foto\.jpg is not a photo/);
  t.notOk(existsSync(join(dir, 'out.jpg')), 'no output file');

  const missing = await run(['prepare', join(dir, 'nothing.jpg'), join(dir, 'out.jpg')]);
  t.ok(isChasquiError(missing.err, 'CHASQUI_ERR_NOT_FOUND'), 'a file that is not there');
  const usage = await run(['prepare', text]);
  t.ok(isChasquiError(usage.err, 'CHASQUI_ERR_USAGE'), 'no OUT');
  const flag = await run(['prepare', photo('canon_hdr_NO.jpg'), join(dir, 'out.jpg'), '--min-ssim', 'high']);
  t.ok(isChasquiError(flag.err, 'CHASQUI_ERR_USAGE'), 'a flag that is not a number');
});
