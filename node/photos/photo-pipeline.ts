/**
 * Prepares a clinical photo for a case that will cross a 64 kbit/s link:
 * bytes from a phone camera or an upload in, a small clean JPEG out.
 *
 * - Orientation: applied from EXIF (sharp autoOrient), so the hub sees what
 *   the nurse saw; the output then has no Orientation tag to misread.
 * - Metadata: none is written. sharp writes no EXIF (so no GPS), XMP, IPTC or
 *   ICC unless asked to; we never ask. An embedded ICC profile is used once,
 *   to convert the pixels to sRGB (perceptual intent), then dropped: a JPEG
 *   without a profile is read as sRGB by browsers (CSS Color 4 treats
 *   untagged images as sRGB) and viewers, and that saves ~3 KB of link.
 * - Size: the long edge is brought to maxLongEdge (default 1600 px), never
 *   enlarged. If the byte and SSIM targets cannot both be met there, smaller
 *   long edges are tried (×0.8 each) down to minLongEdge (1280 px; the
 *   teledermatology guidance asks for at least 1024×768). An original smaller
 *   than minLongEdge is kept at its own size and the miss is reported.
 * - Quality: for each long edge, the highest JPEG quality whose file fits
 *   maxBytes is searched; it is accepted if its SSIM (ssim.ts: BT.601 luma,
 *   11×11 box windows, full resolution, no downsampling) against the same
 *   resized pixels before encoding is at least minSsim. When no long edge
 *   meets both, diagnostic detail wins: at the last (smallest) size the lowest
 *   quality with SSIM ≥ minSsim is taken and the size miss is reported in
 *   `missed` and `warnings`, never hidden.
 * - Compression ratio (raw RGB of the output size / JPEG bytes) is reported,
 *   not enforced: the ≤ 20:1 guidance cannot hold together with ≤ 150 KiB at
 *   1280×960 (3.7 MB raw / 20 = 184 KB); it can at 1024×768.
 * - Encoder: libjpeg (mozjpeg build in sharp) with the ImageMagick
 *   quantisation table (3), optimised Huffman, 4:2:0, baseline. mozjpeg's
 *   trellis quantisation and progressive scans were measured on the shared
 *   photos at 1280 px: 5× the encode time (~90 vs ~17 ms) for, at equal
 *   bytes, SSIM +0.000 to +0.003. A search of 3–9 encodes on a Raspberry Pi
 *   cannot afford that.
 */
import sharp, { type Metadata } from 'sharp';
import { ChasquiError } from '../../lib/errors.js';
import { lumaOf, ssimLuma } from './ssim.js';

export type PhotoTarget = 'maxBytes' | 'minSsim' | 'minLongEdge';
export type PhotoRejection = 'notAnImage' | 'unsupportedFormat' | 'undecodable' | 'tooManyPixels' | 'tooSmall' | 'badOptions';

export interface PrepareOptions {
  /** The file name a person would recognise, for error messages. */
  name?: string;
  maxBytes?: number;
  minLongEdge?: number;
  maxLongEdge?: number;
  minSsim?: number;
}

export interface PreparedPhoto {
  jpeg: Buffer;
  /** A small JPEG (long edge ≤ 320 px) for lists in the UI. */
  thumbnail: Buffer;
  width: number;
  height: number;
  bytes: number;
  ssim: number;
  quality: number;
  /** As displayed, i.e. after EXIF orientation. */
  originalWidth: number;
  originalHeight: number;
  originalBytes: number;
  originalFormat: string;
  /** Raw RGB of the output size / JPEG bytes; guidance is ≤ 20 (reported, not enforced). */
  compressionRatio: number;
  /** JPEG encodes the search made. */
  encodes: number;
  ms: number;
  /** Which targets this photo misses, for the UI to word; `warnings` says the same in English. */
  missed: PhotoTarget[];
  warnings: string[];
}

export const PHOTO_DEFAULTS = Object.freeze({ maxBytes: 150 * 1024, minLongEdge: 1280, maxLongEdge: 1600, minSsim: 0.97 });
/**
 * 2^27 ≈ 134 MP: above the 108 MP modes of mid-range phones, below what a
 * Raspberry Pi can hold decoded (3 bytes a pixel) beside the rest of the post.
 * A decompression bomb (a small file claiming 30000×30000) is refused from its
 * header, before any pixel is decoded.
 */
export const MAX_INPUT_PIXELS = 2 ** 27;
export const RATIO_GUIDANCE = 20;
export const THUMBNAIL_LONG_EDGE = 320;
/** A clinical photo this small is a mistake (an icon, a screenshot crop); SSIM also needs 11 px. */
export const MIN_INPUT_EDGE = 64;
const Q_MIN = 30;
const Q_MAX = 95;
/** Prior for the size search: a JPEG grows ~3 % per quality step between 50 and 90 (measured on the shared photos). */
const LOG_SIZE_PER_Q = 0.03;
const RUNG_FACTOR = 0.8;
const ACCEPTED = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

type Options = { name: string; maxBytes: number; minLongEdge: number; maxLongEdge: number; minSsim: number };
/** 8-bit RGB pixels of one size, and their luma once SSIM has needed it. */
type Raw = { data: Buffer; width: number; height: number; luma?: Uint8Array };
type Trial = { quality: number; jpeg: Buffer; ssim?: number };
type Counter = { encodes: number };

export async function preparePhoto(input: Buffer, opts: PrepareOptions = {}): Promise<PreparedPhoto> {
  const t0 = performance.now();
  const o = options(opts);
  const meta = await inspect(input, o.name);
  const { width: ow, height: oh } = meta.autoOrient;
  const start = Math.min(o.maxLongEdge, Math.max(ow, oh));
  const first = await decode(input, meta, start, o.name);
  const count: Counter = { encodes: 0 };
  const { raw, fit } = await searchSizes(first, ladder(start, o.minLongEdge), o, count);
  const chosen = fit && fit.ssim! >= o.minSsim ? fit : await lowestSharp(raw, o.minSsim, fit, count);
  const { missed, warnings } = judge(chosen, raw, ow, oh, o);
  const rawRgb = raw.width * raw.height * 3;
  return {
    jpeg: chosen.jpeg, thumbnail: await thumbnail(raw), width: raw.width, height: raw.height, bytes: chosen.jpeg.length,
    ssim: chosen.ssim!, quality: chosen.quality, originalWidth: ow, originalHeight: oh, originalBytes: input.length,
    originalFormat: meta.format, compressionRatio: rawRgb / chosen.jpeg.length, encodes: count.encodes,
    ms: performance.now() - t0, missed, warnings,
  };
}

function options(opts: PrepareOptions): Options {
  const name = opts.name ?? 'the photo';
  const minLongEdge = opts.minLongEdge ?? PHOTO_DEFAULTS.minLongEdge;
  const o = {
    name, minLongEdge,
    maxLongEdge: opts.maxLongEdge ?? Math.max(PHOTO_DEFAULTS.maxLongEdge, minLongEdge),
    maxBytes: opts.maxBytes ?? PHOTO_DEFAULTS.maxBytes,
    minSsim: opts.minSsim ?? PHOTO_DEFAULTS.minSsim,
  };
  const ok = o.maxBytes >= 1024 && o.minLongEdge >= MIN_INPUT_EDGE && o.maxLongEdge >= o.minLongEdge && o.minSsim > 0 && o.minSsim <= 1;
  if (!ok) {
    throw rejection('badOptions', name, `cannot prepare ${name} with these limits (maxBytes ${o.maxBytes}, long edge ${o.minLongEdge}–${o.maxLongEdge} px, SSIM ≥ ${o.minSsim})`);
  }
  return o;
}

function rejection(reason: PhotoRejection, name: string, message: string, extra: Record<string, unknown> = {}, cause?: unknown): ChasquiError {
  return new ChasquiError('CHASQUI_ERR_BAD_REQUEST', message, { reason, name, ...extra }, cause === undefined ? undefined : { cause });
}

/** ISO BMFF major brands of still images (HEIF, AVIF); an MP4 video shares the ftyp box but not these. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/** Magic numbers of the formats we take (JPEG: ITU T.81 B.1.1.3 SOI; PNG: RFC 2083 §3.1; GIF; WebP RIFF; TIFF II*\0/MM\0*; ISO BMFF ftyp). */
export function looksLikeImage(b: Buffer): boolean {
  const ascii = (at: number, s: string) => b.subarray(at, at + s.length).toString('latin1') === s;
  return (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) || ascii(1, 'PNG') || ascii(0, 'GIF8') || (ascii(0, 'RIFF') && ascii(8, 'WEBP'))
    || ascii(0, 'II*\0') || ascii(0, 'MM\0*') || (ascii(4, 'ftyp') && IMAGE_BRANDS.has(b.subarray(8, 12).toString('latin1')));
}

/** Reads only the header: refuses what is not a photo before decoding a pixel. */
async function inspect(input: Buffer, name: string): Promise<Metadata> {
  let meta: Metadata;
  try {
    // Only the header is read here, so sharp's own pixel limit is lifted to let us name the size in the refusal.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    if (input.length > 0 && looksLikeImage(input)) {
      throw rejection('undecodable', name, `${name} looks like a photo but is damaged and cannot be opened; take the photo again or export it as JPEG`, {}, err);
    }
    throw rejection('notAnImage', name, `${name} is not a photo (${input.length} bytes in no image format); choose the photo file, or export it from the gallery as JPEG`, {}, err);
  }
  if (!ACCEPTED.has(meta.format)) {
    throw rejection('unsupportedFormat', name, `${name} is a ${meta.format.toUpperCase()} file, not a camera photo; export it as JPEG`, { format: meta.format });
  }
  const { width, height } = meta.autoOrient;
  if (width * height > MAX_INPUT_PIXELS) {
    const mp = (width * height) / 1e6;
    throw rejection('tooManyPixels', name, `${name} claims ${width}×${height} pixels (${mp.toFixed(0)} MP), more than the ${(MAX_INPUT_PIXELS / 1e6).toFixed(0)} MP Chasqui can open; set the camera to a normal resolution and take the photo again, or export it as JPEG`, { width, height });
  }
  if (Math.min(width, height) < MIN_INPUT_EDGE) {
    throw rejection('tooSmall', name, `${name} is only ${width}×${height} pixels, too small to be a clinical photo; take the photo again with the camera`, { width, height });
  }
  return meta;
}

/** Orients, resizes, converts to sRGB (through any embedded ICC profile), flattens alpha onto white: 8-bit RGB. */
async function decode(input: Buffer, meta: Metadata, longEdge: number, name: string): Promise<Raw> {
  try {
    // failOn 'error' also refuses a truncated file rather than padding it with grey.
    let img = sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true })
      .resize(longEdge, longEdge, { fit: 'inside', withoutEnlargement: true });
    if (meta.hasProfile) {
      // Resize first, convert after: lcms on the resized pixels instead of a
      // 6 MP original saves ~100 ms here (~0.6 s on a Pi). Uncompressed TIFF
      // is only a way to carry the profile to the second pass.
      img = sharp(await img.keepIccProfile().tiff({ compression: 'none' }).toBuffer(), { failOn: 'error' });
    }
    const { data, info } = await img.flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw rejection('undecodable', name, `${name} cannot be decoded (${why}); take the photo again or export it as JPEG`, {}, err);
  }
}

/**
 * Largest long edge first; stops at the first size whose best fitting quality
 * keeps minSsim. Smaller sizes are resized from the first decode, so their
 * SSIM reference is the original resized twice (1600 → 1280), not once.
 */
async function searchSizes(first: Raw, edges: number[], o: Options, count: Counter): Promise<{ raw: Raw; fit?: Trial }> {
  let raw = first;
  let fit: Trial | undefined;
  let q = 80;
  for (const [i, edge] of edges.entries()) {
    raw = i === 0 ? first : await shrink(first, edge);
    const found = await highestFitting(raw, o.maxBytes, q, count);
    fit = found.fit;
    if (fit && (await measure(raw, fit)) >= o.minSsim) break;
    const next = edges[i + 1];
    // The next size starts its search where this fit would land if bytes went with area^0.75 (measured 0.7–0.83 on the shared photos).
    if (fit && next) q = fit.quality + (0.75 * Math.log((edge / next) ** 2)) / Math.max(found.slope, LOG_SIZE_PER_Q);
  }
  return { raw, fit };
}

const rawInput = (r: Raw) => ({ raw: { width: r.width, height: r.height, channels: 3 as const } });

async function shrink(r: Raw, longEdge: number): Promise<Raw> {
  const { data, info } = await sharp(r.data, rawInput(r)).resize(longEdge, longEdge, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Long edges to try, largest first: start, ×0.8, … and minLongEdge last (a step under 10 % is not worth an encode). */
export function ladder(start: number, minLongEdge: number): number[] {
  const edges = [start];
  for (let e = start; e > minLongEdge;) {
    const next = Math.round(e * RUNG_FACTOR);
    e = next < minLongEdge * 1.1 ? minLongEdge : next;
    edges.push(e);
  }
  return edges;
}

async function encode(r: Raw, quality: number, count: Counter): Promise<Buffer> {
  count.encodes++;
  return sharp(r.data, rawInput(r)).jpeg({ quality, quantisationTable: 3, optimiseCoding: true, chromaSubsampling: '4:2:0' }).toBuffer();
}

/**
 * The highest quality in [Q_MIN, Q_MAX] whose JPEG fits maxBytes, or nothing.
 * log(size) is close to linear in quality, so each guess is a secant step:
 * between the closest fitting and non-fitting tries once there are both,
 * otherwise through the last two tries (or a prior slope after the first).
 * It usually takes three or four encodes.
 */
async function highestFitting(r: Raw, maxBytes: number, q0: number, count: Counter): Promise<{ fit?: Trial; slope: number }> {
  let lo: Trial | undefined;
  let hi: Trial | undefined;
  const tries: Trial[] = [];
  let q = clamp(Math.round(q0), Q_MIN, Q_MAX);
  for (;;) {
    const t = { quality: q, jpeg: await encode(r, q, count) };
    tries.push(t);
    if (t.jpeg.length <= maxBytes) lo = t;
    else hi = t;
    const loQ = lo?.quality ?? Q_MIN - 1;
    const hiQ = hi?.quality ?? Q_MAX + 1;
    if (hiQ - loQ <= 1) return lo ? { fit: lo, slope: slopeOf(tries.at(-2), t) } : { slope: LOG_SIZE_PER_Q };
    q = clamp(Math.round(lo && hi ? secant(lo, hi, maxBytes) : secant(tries.at(-2), t, maxBytes)), loQ + 1, hiQ - 1);
  }
}

/** The quality at which the line through a and b (log size against quality) reaches the target size. */
function secant(a: Trial | undefined, b: Trial, target: number): number {
  return b.quality + (Math.log(target) - Math.log(b.jpeg.length)) / slopeOf(a, b);
}

/** d log(size) / d quality through two tries, kept within what JPEG plausibly does. */
function slopeOf(a: Trial | undefined, b: Trial): number {
  if (!a || a.quality === b.quality) return LOG_SIZE_PER_Q;
  return clamp((Math.log(b.jpeg.length) - Math.log(a.jpeg.length)) / (b.quality - a.quality), 0.01, 0.1);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

async function measure(r: Raw, t: Trial): Promise<number> {
  const back = await sharp(t.jpeg).raw().toBuffer({ resolveWithObject: true });
  r.luma ??= lumaOf(r.data, r.width, r.height, 3);
  t.ssim = ssimLuma(r.luma, lumaOf(back.data, back.info.width, back.info.height, back.info.channels), r.width, r.height);
  return t.ssim;
}

/** Detail before size: the lowest quality above `fit` whose SSIM reaches minSsim (or Q_MAX if none does), by bisection. */
async function lowestSharp(r: Raw, minSsim: number, fit: Trial | undefined, count: Counter): Promise<Trial> {
  let lo = fit?.quality ?? Q_MIN - 1; // known (or assumed) below minSsim
  let best: Trial | undefined;
  let hi = Q_MAX + 1;
  while (hi - lo > 1) {
    const q = Math.floor((lo + hi) / 2);
    const t = { quality: q, jpeg: await encode(r, q, count) };
    if ((await measure(r, t)) >= minSsim) {
      hi = q;
      best = t;
    } else {
      lo = q;
      if (q === Q_MAX) best = t;
    }
  }
  return best!;
}

function judge(t: Trial, r: Raw, ow: number, oh: number, o: Options): { missed: PhotoTarget[]; warnings: string[] } {
  const missed: PhotoTarget[] = [];
  const warnings: string[] = [];
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  if (Math.max(ow, oh) < o.minLongEdge) {
    missed.push('minLongEdge');
    warnings.push(`${o.name} is ${ow}×${oh} px, below the ${o.minLongEdge} px long edge asked for; it was kept at its own size (never enlarged). Take it again with the camera's normal resolution if detail matters.`);
  }
  if (t.ssim! < o.minSsim) {
    missed.push('minSsim');
    warnings.push(`${o.name} reaches SSIM ${t.ssim!.toFixed(4)} only, below ${o.minSsim}, even at JPEG quality ${t.quality}.`);
  }
  if (t.jpeg.length > o.maxBytes) {
    missed.push('maxBytes');
    warnings.push(`${o.name} is ${kib(t.jpeg.length)}, over the ${kib(o.maxBytes)} target: it is too detailed to keep SSIM ≥ ${o.minSsim} at ${r.width}×${r.height} in less; it will take longer to send.`);
  }
  return { missed, warnings };
}

async function thumbnail(r: Raw): Promise<Buffer> {
  return sharp(r.data, rawInput(r))
    .resize(THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 70, quantisationTable: 3, optimiseCoding: true })
    .toBuffer();
}
