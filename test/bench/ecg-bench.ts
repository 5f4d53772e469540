/**
 * The ECG codec against general and audio compressors on every shared real
 * record: raw int16, gzip -9 and brotli q11 (node zlib, on the raw
 * little-endian interleaved int16 a WFDB format-16 file holds), FLAC -8
 * (Debian's /usr/bin/flac, the best of one file per lead and multichannel
 * groups of ≤ 8, its limit), and ours. Sizes are whole files, headers included.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { decodeEcg, encodeEcg } from '../../protocol/ecg-codec.js';
import type { EcgRecording } from '../../protocol/ecg-recording.js';
import { SHARED_DATA } from '../support/paths.js';

export const ECG_RECORDS = ['mitdb/100', 'mitdb/100s', 'mitdb/208', 'svdb/800', 'ptbdb/s0010_re', 'ludb/1'] as const;
export const FLAC_BIN = '/usr/bin/flac';

/** A shared WFDB record as the codec's shape (ptbdb/s0010_re: its .dat and .xyz leads, 15 in all). */
export async function loadSharedEcg(name: string): Promise<EcgRecording> {
  const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg', `${name}.hea`));
  return {
    samplingFrequency: header.samplingFrequency,
    source: `WFDB record ${name}`,
    leads: header.signals.map((s, i) => ({
      name: s.description,
      // header(5): a gain of 0 means uncalibrated, read as 200 units per mV.
      unitsPerMv: s.gain === 0 ? 200 : s.gain,
      baseline: s.baseline,
      samples: Int32Array.from(signals[i] as Int16Array),
    })),
  };
}

/** Interleaved by instant, as in a WFDB format-16 file; samples must fit int16. */
function rawInt16(leads: Int32Array[]): Buffer {
  const n = leads[0]?.length ?? 0;
  const out = Buffer.alloc(n * leads.length * 2);
  for (let i = 0, o = 0; i < n; i++) for (const s of leads) { out.writeInt16LE(s[i] as number, o); o += 2; }
  return out;
}

/** Size of `flac -8` on these leads as one raw multichannel stream. */
export function flacSize(leads: Int32Array[], rate: number): number {
  const args = ['--silent', '--no-padding', '--no-seektable', '-8', '--force-raw-format', '--endian=little', '--sign=signed',
    `--channels=${leads.length}`, '--bps=16', `--sample-rate=${rate}`, '-c', '-'];
  const r = spawnSync(FLAC_BIN, args, { input: rawInt16(leads), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`flac failed (${String(r.status)}): ${r.stderr.toString()}`);
  return r.stdout.length;
}

/** FLAC's best: one file per lead, or ⌈L/8⌉ multichannel files of near-equal groups (FLAC allows ≤ 8 channels). */
export function flacBest(leads: Int32Array[], rate: number): number {
  const perLead = leads.reduce((s, l) => s + flacSize([l], rate), 0);
  const groups = Math.ceil(leads.length / 8);
  const per = Math.ceil(leads.length / groups);
  let multi = 0;
  for (let g = 0; g < leads.length; g += per) multi += flacSize(leads.slice(g, g + per), rate);
  return Math.min(perLead, multi);
}

function medianMs(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] as number;
}

export interface EcgBenchRow {
  record: string;
  leads: number;
  samples: number;
  rate: number;
  raw: number;
  gzip: number;
  brotli: number;
  flac: number;
  ours: number;
  encodeMs: number;
  decodeMs: number;
}

export function benchRecord(record: string, rec: EcgRecording): EcgBenchRow {
  const leads = rec.leads.map((l) => l.samples);
  const raw = rawInt16(leads);
  const bytes = encodeEcg(rec);
  // A size means nothing if the record does not come back bit for bit.
  decodeEcg(bytes).leads.forEach((l, j) => {
    const want = leads[j] as Int32Array;
    if (l.samples.length !== want.length || l.samples.some((v, i) => v !== want[i])) throw new Error(`${record}: lead ${j} does not round-trip`);
  });
  const runs = raw.length < 1e6 ? 5 : 1;
  return {
    record,
    leads: leads.length,
    samples: leads.length * (leads[0]?.length ?? 0),
    rate: rec.samplingFrequency,
    raw: raw.length,
    gzip: gzipSync(raw, { level: 9 }).length,
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length,
    flac: flacBest(leads, rec.samplingFrequency),
    ours: bytes.length,
    encodeMs: medianMs(() => encodeEcg(rec), runs),
    decodeMs: medianMs(() => decodeEcg(bytes), runs),
  };
}

export async function ecgCompression() {
  const rows: EcgBenchRow[] = [];
  for (const name of ECG_RECORDS) rows.push(benchRecord(name, await loadSharedEcg(name)));
  const mean = (f: (r: EcgBenchRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const ludb = await loadSharedEcg('ludb/1');
  // ms to encode 10 s of 12 leads: LUDB record 1 is exactly that (500 Hz).
  const encodeMsPer10s12Lead = medianMs(() => encodeEcg(ludb), 21);
  return {
    rows,
    // Means of per-record ratios, so each record weighs the same however long it is.
    ratioVsRaw: mean((r) => r.raw / r.ours),
    ratioVsBrotli: mean((r) => r.ours / r.brotli),
    ratioVsFlac: mean((r) => r.ours / r.flac),
    encodeMsPer10s12Lead,
  };
}

/** The table `npm run bench` prints: bytes, bits per sample (of all leads) and speed per record. */
export function ecgTable(r: Awaited<ReturnType<typeof ecgCompression>>): string[] {
  const bps = (bytes: number, row: EcgBenchRow) => ((bytes * 8) / row.samples).toFixed(3);
  const pad = (s: string | number, w: number) => String(s).padStart(w);
  const lines = [
    `${'record'.padEnd(15)}${pad('leads', 6)}${pad('Hz', 6)}${pad('raw B', 10)}${pad('gzip-9', 15)}${pad('brotli11', 15)}${pad('FLAC-8', 15)}${pad('ours', 15)}${pad('/FLAC', 7)}${pad('/brotli', 8)}${pad('enc MS/s', 10)}${pad('dec MS/s', 10)}`,
  ];
  for (const row of r.rows) {
    const cell = (b: number) => pad(`${b} ${bps(b, row)}`, 15);
    lines.push(`${row.record.padEnd(15)}${pad(row.leads, 6)}${pad(row.rate, 6)}${pad(row.raw, 10)}${cell(row.gzip)}${cell(row.brotli)}${cell(row.flac)}${cell(row.ours)}` +
      `${pad((row.ours / row.flac).toFixed(3), 7)}${pad((row.ours / row.brotli).toFixed(3), 8)}` +
      `${pad((row.samples / row.encodeMs / 1000).toFixed(1), 10)}${pad((row.samples / row.decodeMs / 1000).toFixed(1), 10)}`);
  }
  lines.push('(cells: bytes, then bits per sample; /FLAC and /brotli: ours ÷ theirs; MS/s: million samples per second)');
  lines.push(`mean of per-record ratios: raw/ours ${r.ratioVsRaw.toFixed(3)}, ours/brotli ${r.ratioVsBrotli.toFixed(3)}, ours/FLAC ${r.ratioVsFlac.toFixed(3)}   [targets: every record ≤ min(FLAC, brotli); mean ours/FLAC ≤ 0.95]`);
  lines.push(`encode 10 s of 12 leads (LUDB 1, 500 Hz): ${r.encodeMsPer10s12Lead.toFixed(1)} ms   [target < 100 ms]`);
  return lines;
}
