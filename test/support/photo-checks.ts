/**
 * What a photo that reached the hub still carries: checked by parsing (sharp)
 * and by exiftool, an independent reader, when it is installed (required
 * under CI=true, as .ci/run installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from './paths.js';

export const HAS_EXIFTOOL = spawnSync('exiftool', ['-ver']).status === 0;
/** Groups exiftool reports for a file with no metadata at all: the file itself and what it computes. */
const BARE_GROUPS = new Set(['ExifTool', 'System', 'File', 'Composite', 'SourceFile']);

export type PhotoFindings = { width: number; height: number; format: string; parsed: string[]; exiftool: string[] | null };

/** Which metadata blocks sharp finds, and which tags exiftool finds outside the file's own description (null: no exiftool). */
export async function photoFindings(bytes: Buffer): Promise<PhotoFindings> {
  const m = await sharp(bytes).metadata();
  const parsed: string[] = (['exif', 'xmp', 'iptc', 'icc'] as const).filter((k) => m[k] !== undefined);
  if (m.orientation !== undefined) parsed.push('orientation');
  let exif: string[] | null = null;
  if (HAS_EXIFTOOL) {
    const { dir, cleanup } = tempDir('chasqui-exif-');
    try {
      const file = join(dir, 'photo.jpg');
      writeFileSync(file, bytes);
      const [tags] = JSON.parse(execFileSync('exiftool', ['-j', '-G1', '-a', '-u', file]).toString()) as Record<string, unknown>[];
      exif = Object.keys(tags ?? {}).filter((k) => !BARE_GROUPS.has(k.split(':')[0]!));
    } finally {
      cleanup();
    }
  }
  return { width: m.width, height: m.height, format: m.format, parsed, exiftool: exif };
}
