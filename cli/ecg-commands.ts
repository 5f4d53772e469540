/**
 * `chasqui ecg info|encode|decode`: for people who handle ECG files outside
 * the app — see what a file holds, pack a record into Chasqui's lossless form
 * (what travels on the link), and unpack it back to WFDB for any ECG tool.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChasquiError } from '../lib/errors.js';
import { decodeEcg, ecgInfo, encodeEcg } from '../protocol/ecg-codec.js';
import type { EcgRecording } from '../protocol/ecg-recording.js';
import { readEcgFile } from '../firmware-bridge/ecg/ecg-files.js';
import { encodeWfdb, type WfdbHeader } from '../firmware-bridge/ecg/wfdb.js';

const MAGIC = 'CQE';

export const ECG_HELP = `  chasqui ecg info FILE                        what an ECG file holds (WFDB .hea, SCP-ECG, or Chasqui .cqe)
  chasqui ecg encode RECORD OUT.cqe            pack a record losslessly (checked by decoding it back)
  chasqui ecg decode IN.cqe OUT                unpack to WFDB: OUT.hea + OUT.dat (format 16, or 24 for 24-bit ECG)
`;

export async function ecgCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [sub, a, b] = positionals;
  if (sub === 'info' && a) return info(a);
  if (sub === 'encode' && a && b) return encode(a, b);
  if (sub === 'decode' && a && b) return decode(a, b);
  throw new ChasquiError('CHASQUI_ERR_USAGE', `usage:\n${ECG_HELP}`);
}

async function isCqe(path: string): Promise<boolean> {
  const head = await readFile(path).then((b) => b.subarray(0, 3).toString('latin1'), () => '');
  return head === MAGIC;
}

async function info(path: string): Promise<number> {
  if (await isCqe(path)) {
    const bytes = await readFile(path);
    const i = ecgInfo(bytes);
    const samples = i.samplesPerLead * i.leads.length;
    print({
      format: 'Chasqui lossless ECG', bytes: i.bytes, samplingFrequency: `${i.samplingFrequency} Hz`, durationSeconds: i.durationSeconds,
      leads: i.leads.map((l) => l.name).join(' '), bitsPerSample: samples ? ((8 * i.bytes) / samples).toFixed(2) : '-',
      startedAt: i.startedAt ?? '-', source: i.source ?? '-',
    });
    return 0;
  }
  const rec = await readEcgFile(path);
  const n = rec.leads[0]?.samples.length ?? 0;
  print({
    format: rec.source ?? 'ECG record', samplingFrequency: `${rec.samplingFrequency} Hz`, durationSeconds: n / rec.samplingFrequency,
    leads: rec.leads.map((l) => l.name).join(' '), // One value per lead, in the leads' order: a set would hide equal gains and no longer line up.
    unitsPerMv: rec.leads.map((l) => l.unitsPerMv).join(' '),
    startedAt: rec.startedAt ?? '-',
  });
  return 0;
}

async function encode(path: string, out: string): Promise<number> {
  const rec = await readEcgFile(path);
  const t0 = performance.now();
  const bytes = encodeEcg(rec);
  const ms = performance.now() - t0;
  assertSame(rec, decodeEcg(bytes));
  await writeFile(out, bytes);
  const samples = rec.leads.reduce((s, l) => s + l.samples.length, 0);
  print({
    wrote: out, bytes: bytes.length, bitsPerSample: samples ? ((8 * bytes.length) / samples).toFixed(2) : '-',
    vsInt16: samples ? (bytes.length / (2 * samples)).toFixed(3) : '-', encodeMs: ms.toFixed(1), verified: 'decodes bit for bit',
  });
  return 0;
}

async function decode(path: string, out: string): Promise<number> {
  const rec = decodeEcg(await readFile(path));
  const fits16 = rec.leads.every((l) => l.samples.every((v) => v >= -32768 && v <= 32767));
  const name = basename(out);
  const { header, dat } = encodeWfdb(wfdbHeaderOf(rec, name), rec.leads.map((l) => l.samples), fits16 ? 16 : 24);
  await writeFile(join(dirname(out), `${name}.hea`), header);
  await writeFile(join(dirname(out), `${name}.dat`), dat);
  print({ wrote: `${out}.hea ${out}.dat`, format: fits16 ? 16 : 24, leads: rec.leads.length, samplesPerLead: rec.leads[0]?.samples.length ?? 0 });
  return 0;
}

function wfdbHeaderOf(rec: EcgRecording, recordName: string): WfdbHeader {
  const started = rec.startedAt ? new Date(rec.startedAt) : undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    recordName,
    samplingFrequency: rec.samplingFrequency,
    counterFrequency: undefined,
    baseCounter: undefined,
    samplesPerSignal: rec.leads[0]?.samples.length ?? 0,
    baseTime: started ? `${pad(started.getUTCHours())}:${pad(started.getUTCMinutes())}:${pad(started.getUTCSeconds())}` : undefined,
    baseDate: started ? `${pad(started.getUTCDate())}/${pad(started.getUTCMonth() + 1)}/${started.getUTCFullYear()}` : undefined,
    signals: rec.leads.map((l) => ({
      fileName: `${recordName}.dat`, format: 16, byteOffset: 0, gain: l.unitsPerMv, baseline: l.baseline, units: 'mV',
      adcResolution: 0, adcZero: 0, initialValue: 0, checksum: undefined, blockSize: 0, description: l.name,
    })),
    info: [rec.source ? `source: ${rec.source}` : 'source: Chasqui', ...(rec.startedAt ? [`started: ${rec.startedAt} (UTC)`] : [])],
  };
}

function assertSame(a: EcgRecording, b: EcgRecording): void {
  const same = a.leads.length === b.leads.length && a.leads.every((l, i) => {
    const m = b.leads[i]!.samples;
    return l.samples.length === m.length && l.samples.every((v, j) => v === m[j]);
  });
  if (!same) throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', 'the encoded recording does not decode to the same samples (a codec bug: please report it)');
}

function print(fields: Record<string, unknown>): void {
  const w = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [k, v] of Object.entries(fields)) process.stdout.write(`${k.padEnd(w)}  ${String(v)}\n`);
}
