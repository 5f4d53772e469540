/**
 * The photo pipeline on the shared real camera photos (GPS, orientation,
 * IPTC/XMP/ICC: /work/shared/data/photos/README.md) and on the bad files a
 * nurse can pick. Metadata is checked twice: by sharp, and by exiftool when it
 * is installed (`apt-get install libimage-exiftool-perl`; required under CI=true).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { ssim as referenceSsim } from 'ssim.js';
import t, { type Test } from 'tap';
import { isChasquiError } from '../../../lib/errors.js';
import { mulberry32 } from '../../../lib/prng.js';
import { ladder, MAX_INPUT_PIXELS, PHOTO_DEFAULTS, preparePhoto, type PreparedPhoto } from '../../../node/photos/photo-pipeline.js';
import { lumaOf, ssimLuma } from '../../../node/photos/ssim.js';
import { SHARED_DATA, sharedFile, tempDir } from '../../support/paths.js';

const PHOTOS = readdirSync(join(SHARED_DATA, 'photos')).filter((f) => f.endsWith('.jpg')).sort();
const HAS_EXIFTOOL = spawnSync('exiftool', ['-ver']).status === 0;
/** Groups exiftool reports for a file with no metadata at all: the file itself and what it computes. */
const BARE_GROUPS = new Set(['ExifTool', 'System', 'File', 'Composite']);

/** exiftool's JSON for each file, by path; one process for all (perl starts slowly). */
function exiftool(paths: string[]): Map<string, Record<string, unknown>> {
  const out = execFileSync('exiftool', ['-j', '-G1', '-a', '-u', ...paths], { maxBuffer: 64 << 20 });
  return new Map((JSON.parse(out.toString()) as Record<string, unknown>[]).map((r) => [String(r.SourceFile), r]));
}

async function rejectsWith(t: Test, input: Buffer, name: string, reason: string): Promise<void> {
  const err = await preparePhoto(input, { name }).then(() => undefined, (e: unknown) => e);
  t.ok(isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST'), `${name}: CHASQUI_ERR_BAD_REQUEST`);
  if (!isChasquiError(err)) return;
  t.equal(err.details?.reason, reason, `${name}: reason ${reason}`);
  t.match(err.message, name, 'the message names the file');
  t.match(err.message, /take the photo again|export it|choose the photo/, 'and says what to do');
}

/** Mean absolute difference of two images brought to 16×16 grey: small for the same picture, large for a rotated one. */
async function looksAlike(a: Buffer | Sharp, b: Buffer): Promise<number> {
  const grey = (s: Sharp) => s.resize(16, 16, { fit: 'fill' }).greyscale().raw().toBuffer();
  const [x, y] = await Promise.all([grey(Buffer.isBuffer(a) ? sharp(a) : a), grey(sharp(b))]);
  return x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0) / x.length;
}

t.test('SSIM matches ssim.js (weber, no downsampling) on a real photo and its JPEG', async (t) => {
  const { data, info } = await sharp(sharedFile('photos/Sumo_Museum.jpg')).resize(320).raw().toBuffer({ resolveWithObject: true });
  const jpeg = await sharp(data, { raw: info }).jpeg({ quality: 30 }).toBuffer();
  const back = await sharp(jpeg).raw().toBuffer();
  const [a, b] = [lumaOf(data, info.width, info.height, 3), lumaOf(back, info.width, info.height, 3)];
  const rgba = (l: Uint8Array) => ({ data: Uint8ClampedArray.from({ length: l.length * 4 }, (_, i) => (i % 4 === 3 ? 255 : l[i >> 2]!)), width: info.width, height: info.height });
  const ours = ssimLuma(a, b, info.width, info.height);
  const ref = referenceSsim(rgba(a), rgba(b), { downsample: false, ssim: 'weber' }).mssim;
  t.ok(Math.abs(ours - ref) < 1e-4, `ours ${ours} vs ssim.js ${ref}`);
  t.ok(ours < 0.97 && ours > 0.5, 'quality 30 is visibly worse');
  t.equal(ssimLuma(a, a, info.width, info.height), 1, 'an image is identical to itself');
  t.throws(() => ssimLuma(a, b.subarray(1), info.width, info.height), RangeError);
});

t.test('long edges tried: from the start down to the minimum, a step under 10 % skipped', async (t) => {
  t.same(ladder(1600, 1280), [1600, 1280]);
  t.same(ladder(2048, 1280), [2048, 1638, 1280]);
  t.same(ladder(1280, 1280), [1280]);
  t.same(ladder(1000, 1280), [1000]);
});

const prepared = new Map<string, PreparedPhoto>();

for (const file of PHOTOS) {
  t.test(`${file}: oriented, stripped, within targets`, async (t) => {
    const input = sharedFile(`photos/${file}`);
    const p = await preparePhoto(input, { name: file });
    prepared.set(file, p);
    const inMeta = await sharp(input).metadata();
    const outMeta = await sharp(p.jpeg).metadata();

    t.equal(outMeta.format, 'jpeg');
    t.equal(p.bytes, p.jpeg.length);
    t.same([outMeta.width, outMeta.height], [p.width, p.height]);
    t.ok(p.bytes <= PHOTO_DEFAULTS.maxBytes, `${p.bytes} B ≤ 150 KiB`);
    t.ok(p.ssim >= PHOTO_DEFAULTS.minSsim, `SSIM ${p.ssim} ≥ 0.97`);
    t.same(p.warnings, [], 'no target missed');
    t.same(p.missed, []);
    const long = Math.max(p.width, p.height);
    t.ok(long >= PHOTO_DEFAULTS.minLongEdge && long <= PHOTO_DEFAULTS.maxLongEdge, `long edge ${long} in 1280–1600`);
    t.equal(p.compressionRatio, (p.width * p.height * 3) / p.bytes);

    // Orientation: what a viewer shows (EXIF applied), same aspect, same picture.
    const swapped = (inMeta.orientation ?? 1) >= 5;
    t.same([p.originalWidth, p.originalHeight], swapped ? [inMeta.height, inMeta.width] : [inMeta.width, inMeta.height]);
    t.ok(Math.abs(p.width / p.height - p.originalWidth / p.originalHeight) < 0.01, 'aspect kept');
    const upright = await looksAlike(sharp(input).autoOrient(), p.jpeg);
    const turned = await looksAlike(sharp(input).autoOrient().rotate(180), p.jpeg);
    t.ok(upright < 6 && turned > upright * 2, `same picture, upright (diff ${upright.toFixed(1)} vs ${turned.toFixed(1)} turned)`);

    // SSIM recomputed here against an independent resize of the original.
    const ref = await sharp(input).autoOrient().resize(p.width, p.height, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer();
    const out = await sharp(p.jpeg).raw().toBuffer();
    const again = ssimLuma(lumaOf(ref, p.width, p.height, 3), lumaOf(out, p.width, p.height, 3), p.width, p.height);
    t.ok(Math.abs(again - p.ssim) < 0.005, `SSIM ${again.toFixed(4)} recomputed vs ${p.ssim.toFixed(4)} reported`);

    for (const [what, bytes] of [['photo', p.jpeg], ['thumbnail', p.thumbnail]] as const) {
      const m = await sharp(bytes).metadata();
      t.same([m.exif, m.xmp, m.iptc, m.icc, m.orientation], [undefined, undefined, undefined, undefined, undefined], `${what}: sharp finds no EXIF, XMP, IPTC, ICC or orientation`);
    }
    const thumb = await sharp(p.thumbnail).metadata();
    t.equal(Math.max(thumb.width, thumb.height), 320, 'thumbnail long edge 320 px');
  });
}

const skipExiftool = !HAS_EXIFTOOL && process.env.CI !== 'true' ? 'exiftool not installed' : false;
t.test('exiftool finds no metadata block in the output (and does find it in the input)', { skip: skipExiftool }, async (t) => {
  if (!HAS_EXIFTOOL) {
    t.fail('exiftool is required under CI=true: apt-get install -y libimage-exiftool-perl');
    return;
  }
  const { dir, cleanup } = tempDir('chasqui-photo-');
  t.teardown(cleanup);
  const outputs: string[] = [];
  for (const file of PHOTOS) {
    const p = prepared.get(file) ?? (await preparePhoto(sharedFile(`photos/${file}`), { name: file }));
    for (const [what, bytes] of [['photo', p.jpeg], ['thumbnail', p.thumbnail]] as const) {
      outputs.push(join(dir, `${what}-${file}`));
      writeFileSync(outputs.at(-1)!, bytes);
    }
  }
  const originals = PHOTOS.map((f) => join(SHARED_DATA, 'photos', f));
  const tags = exiftool([...originals, ...outputs]);
  t.equal(tags.size, originals.length + outputs.length, 'exiftool read every file');
  for (const path of outputs) {
    const foreign = Object.keys(tags.get(path) ?? {}).filter((k) => k !== 'SourceFile' && !BARE_GROUPS.has(k.split(':')[0]!));
    t.same(foreign, [], `${basename(path)}: only ${[...BARE_GROUPS].join('/')} tags`);
  }
  const gpsIn = originals.filter((p) => Object.keys(tags.get(p) ?? {}).some((k) => k.endsWith(':GPSLatitude'))).map((p) => basename(p));
  t.same(gpsIn, ['HMD_Nokia_8.3_5G.jpg', 'iphone_hdr_YES.jpg'], 'the check can fail: exiftool sees the GPS in the originals');
  const blocksIn = originals.flatMap((p) => Object.keys(tags.get(p) ?? {}).map((k) => k.split(':')[0]!));
  for (const group of ['IFD0', 'XMP-dc', 'IPTC', 'ICC_Profile', 'GPS']) t.ok(blocksIn.includes(group), `an original has ${group}`);
});

t.test('a photo too detailed for the byte target keeps its SSIM, at the minimum size, and says so', async (t) => {
  const p = await preparePhoto(sharedFile('photos/iphone_hdr_YES.jpg'), { name: 'iphone.jpg', maxBytes: 60 * 1024 });
  t.equal(Math.max(p.width, p.height), 1280, 'smaller long edges were tried down to 1280');
  t.ok(p.ssim >= 0.97, `SSIM ${p.ssim} kept`);
  t.ok(p.bytes > 60 * 1024, 'so the size target is missed');
  t.same(p.missed, ['maxBytes']);
  t.match(p.warnings, [/iphone\.jpg is \d+ KiB, over the 60 KiB target/]);
});

t.test('a photo smaller than the minimum is kept at its size, never enlarged, and says so', async (t) => {
  const small = await sharp(sharedFile('photos/Sumo_Museum.jpg')).resize(800).png().toBuffer();
  const p = await preparePhoto(small, { name: 'small.png' });
  t.same([p.width, p.height], [800, 600]);
  t.same(p.missed, ['minLongEdge']);
  t.match(p.warnings, [/small\.png is 800×600 px, below the 1280 px long edge/]);
  t.ok(p.ssim >= 0.97 && p.bytes <= PHOTO_DEFAULTS.maxBytes);
});

t.test('a PNG named .jpg (with transparency) is just a photo', async (t) => {
  const png = await sharp(sharedFile('photos/canon_hdr_NO.jpg')).resize(1400).ensureAlpha(0.5).png().toBuffer();
  const p = await preparePhoto(png, { name: 'IMG_0001.jpg' });
  t.equal(p.originalFormat, 'png');
  t.same([p.width, p.height], [1400, 1050], 'no EXIF orientation in a PNG: kept as stored');
  const m = await sharp(p.jpeg).metadata();
  t.same([m.format, m.channels, m.hasAlpha], ['jpeg', 3, false], 'flattened to RGB');
});

t.test('bad files are refused with a reason, naming the file and what to do', async (t) => {
  const random = mulberry32(6);
  const noise = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
  await rejectsWith(t, noise, 'noise.bin', 'notAnImage');
  await rejectsWith(t, Buffer.alloc(0), 'empty.jpg', 'notAnImage');
  await rejectsWith(t, Buffer.from('Paciente: Juana\nPresión 120/80\n'), 'notas.jpg', 'notAnImage');
  const photo = sharedFile('photos/canon_hdr_NO.jpg');
  await rejectsWith(t, photo.subarray(0, Math.floor(photo.length * 0.6)), 'cut.jpg', 'undecodable');
  await rejectsWith(t, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise]), 'garbled.jpg', 'undecodable');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><rect width="2000" height="2000"/></svg>');
  await rejectsWith(t, svg, 'drawing.jpg', 'unsupportedFormat');
  const icon = await sharp({ create: { width: 48, height: 48, channels: 3, background: '#c08080' } }).jpeg().toBuffer();
  await rejectsWith(t, icon, 'icon.jpg', 'tooSmall');
});

t.test('a decompression bomb is refused from its header, before decoding', async (t) => {
  // A 64×64 JPEG whose SOF0 frame header (ITU T.81 B.2.2: FFC0, Lf, P, Y, X) claims 30000×30000.
  const bomb = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const sof = bomb.indexOf(Buffer.from([0xff, 0xc0]));
  t.ok(sof > 0, 'found SOF0');
  bomb.writeUInt16BE(30000, sof + 5);
  bomb.writeUInt16BE(30000, sof + 7);
  t.equal(30000 * 30000 > MAX_INPUT_PIXELS, true);
  const t0 = performance.now();
  await rejectsWith(t, bomb, 'bomb.jpg', 'tooManyPixels');
  t.ok(performance.now() - t0 < 2000, 'refused quickly');
});

t.test('impossible limits are refused', async (t) => {
  const err = await preparePhoto(sharedFile('photos/canon_hdr_NO.jpg'), { minLongEdge: 2000, maxLongEdge: 1600 }).catch((e: unknown) => e);
  t.ok(isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST') && err.details?.reason === 'badOptions');
});
