/**
 * The photo pipeline (node/photos/photo-pipeline.ts) on every shared real
 * photo: size, SSIM, quality, time. The issue's budget is 3 s a photo on a
 * Raspberry Pi 4, which we cannot run here, so the estimate is CPU time
 * with libvips held to one thread (sharp.concurrency(1)), all threads of the
 * process counted, times PI4_FACTOR. 6 is our assumption, not a measurement:
 * a Pi 4's Cortex-A72 at 1.5 GHz scores about a fifth of a current x86
 * server core at single-thread work (Geekbench-class figures), and the SIMD
 * in libjpeg-turbo/mozjpeg and lcms is narrower (NEON vs AVX2). Counting CPU
 * rather than wall time keeps the figure honest on a busy machine, and it is
 * an upper bound on the Pi: its four cores can share what we add up here.
 * Each photo is prepared once to warm the JIT (a post runs for weeks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTO_DEFAULTS, preparePhoto, type PreparedPhoto } from '../../node/photos/photo-pipeline.js';
import { SHARED_DATA } from '../support/paths.js';

export const PI4_FACTOR = 6;

type Row = { file: string; p: PreparedPhoto; wallMs: number; cpuMs: number };

async function timed(file: string, bytes: Buffer): Promise<Row> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const p = await preparePhoto(bytes, { name: file });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { file, p, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export async function photoBench(log: (line: string) => void = (s) => void process.stdout.write(`${s}\n`)): Promise<Record<string, number>> {
  const dir = join(SHARED_DATA, 'photos');
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  const inputs = files.map((f) => [f, readFileSync(join(dir, f))] as const);
  const threads = sharp.concurrency();
  const rows: Row[] = [];
  try {
    sharp.concurrency(1);
    for (const [file, bytes] of inputs) {
      await preparePhoto(bytes, { name: file });
      rows.push(await timed(file, bytes));
    }
  } finally {
    sharp.concurrency(threads);
  }
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  log(`Photos (node/photos/photo-pipeline.ts), targets ≤ ${kib(PHOTO_DEFAULTS.maxBytes)}, SSIM ≥ ${PHOTO_DEFAULTS.minSsim}, ≤ 3000 ms on a Pi 4 (estimate: CPU ms with one libvips thread × ${PI4_FACTOR}):`);
  log(`${'photo'.padEnd(22)} ${'original'.padStart(22)}  ${'output'.padStart(20)}  ${'SSIM'.padStart(6)}  q   ratio  enc  ${'wall'.padStart(6)}  ${'cpu'.padStart(6)}  ${'Pi 4 est'.padStart(8)}  warnings`);
  for (const { file, p, wallMs, cpuMs } of rows) {
    log([
      file.padEnd(22),
      `${kib(p.originalBytes)} ${p.originalWidth}×${p.originalHeight}`.padStart(22),
      `${kib(p.bytes)} ${p.width}×${p.height}`.padStart(20),
      p.ssim.toFixed(4),
      String(p.quality).padStart(2),
      `${p.compressionRatio.toFixed(1)}:1`.padStart(6),
      String(p.encodes).padStart(4),
      `${wallMs.toFixed(0)} ms`.padStart(6),
      `${cpuMs.toFixed(0)} ms`.padStart(6),
      `${(cpuMs * PI4_FACTOR).toFixed(0)} ms`.padStart(8),
      p.missed.join(',') || '-',
    ].join('  '));
  }
  const max = (f: (r: Row) => number) => Math.max(...rows.map(f));
  return {
    'photo.max_bytes': max((r) => r.p.bytes),
    'photo.min_ssim': Math.min(...rows.map((r) => r.p.ssim)),
    'photo.max_ms': max((r) => r.wallMs),
    'photo.max_cpu_ms': max((r) => r.cpuMs),
    'photo.pi4_estimate_max_ms': max((r) => r.cpuMs) * PI4_FACTOR,
  };
}
