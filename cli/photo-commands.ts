/**
 * `chasqui photo prepare IN OUT`: what the post does to a clinical photo
 * before it joins a case, from the command line, so a field engineer can see
 * what a given camera's photos will cost on the link and whether they keep
 * their detail (node/photos/photo-pipeline.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ChasquiError } from '../lib/errors.js';
import { PHOTO_DEFAULTS, RATIO_GUIDANCE, preparePhoto, type PrepareOptions } from '../node/photos/photo-pipeline.js';

export const PHOTO_HELP = `  chasqui photo prepare IN OUT [--max-kib N] [--min-ssim X] [--min-edge PX] [--max-edge PX] [--thumbnail FILE]
                                               orient, strip metadata, resize and compress a photo as the post does
`;

type Io = { out: (s: string) => void };
const stdout: Io = { out: (s) => void process.stdout.write(s) };

export async function photoCommand(argv: string[], io: Io = stdout): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'max-kib': { type: 'string' }, 'min-ssim': { type: 'string' }, 'min-edge': { type: 'string' },
      'max-edge': { type: 'string' }, thumbnail: { type: 'string' },
    },
  });
  const [sub, input, output] = positionals;
  if (sub !== 'prepare' || !input || !output || positionals.length > 3) throw new ChasquiError('CHASQUI_ERR_USAGE', `usage:\n${PHOTO_HELP}`);
  const opts: PrepareOptions = { name: basename(input) };
  if (values['max-kib'] !== undefined) opts.maxBytes = number('--max-kib', values['max-kib']) * 1024;
  if (values['min-ssim'] !== undefined) opts.minSsim = number('--min-ssim', values['min-ssim']);
  if (values['min-edge'] !== undefined) opts.minLongEdge = number('--min-edge', values['min-edge']);
  if (values['max-edge'] !== undefined) opts.maxLongEdge = number('--max-edge', values['max-edge']);
  const p = await preparePhoto(await readInput(input), opts);
  await writeFile(output, p.jpeg);
  if (values.thumbnail) await writeFile(values.thumbnail, p.thumbnail);
  const maxBytes = opts.maxBytes ?? PHOTO_DEFAULTS.maxBytes;
  print(io, {
    wrote: output,
    bytes: `${p.bytes} (${(p.bytes / 1024).toFixed(1)} KiB; target ≤ ${(maxBytes / 1024).toFixed(0)} KiB; was ${p.originalBytes})`,
    dimensions: `${p.width}×${p.height} (was ${p.originalWidth}×${p.originalHeight} ${p.originalFormat.toUpperCase()})`,
    ssim: `${p.ssim.toFixed(4)} (target ≥ ${opts.minSsim ?? PHOTO_DEFAULTS.minSsim}, luma, full resolution)`,
    quality: p.quality,
    compression: `${p.compressionRatio.toFixed(1)}:1 vs raw RGB (guidance ≤ ${RATIO_GUIDANCE}:1)`,
    ms: `${p.ms.toFixed(0)} (${p.encodes} encodes)`,
    metadata: 'none kept (EXIF, GPS, XMP, IPTC, ICC); oriented, sRGB',
    warnings: p.warnings.length ? p.warnings.join('\n  ') : 'none',
  });
  return 0;
}

function number(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ChasquiError('CHASQUI_ERR_USAGE', `${flag} wants a positive number, not "${v}"`);
  return n;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

function print(io: Io, fields: Record<string, unknown>): void {
  const w = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [k, v] of Object.entries(fields)) io.out(`${k.padEnd(w)}  ${String(v)}\n`);
}
