import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECG_SAMPLE_MAX, ECG_SAMPLE_MIN, type EcgLead, type EcgRecording } from '../../../protocol/ecg-recording.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import type { WfdbHeader, WfdbSamples } from '../../../firmware-bridge/ecg/wfdb.js';
import { assessSignalQuality, RECORD_LIMITS, type QualityCode, type QualityOptions, type QualityReport } from '../../../firmware-bridge/capture/signal-quality.js';
import { mulberry32 } from '../../link/prng.js';
import { SHARED_DATA } from '../../support/paths.js';

const ECG = join(SHARED_DATA, 'ecg');

/** Every record in ../shared/data/ecg, with the mains of the country it was recorded in. */
const RECORDS = [
  { path: 'mitdb/100s', mainsHz: 60 }, // Boston
  { path: 'mitdb/100', mainsHz: 60 },
  { path: 'mitdb/208', mainsHz: 60 },
  { path: 'svdb/800', mainsHz: 60 },
  { path: 'ptbdb/s0010_re', mainsHz: 50 }, // Berlin
  { path: 'ludb/1', mainsHz: 50 }, // Nizhny Novgorod
] as const;

const STANDARD = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
const leadName = (d: string): string => STANDARD.find((s) => s.toLowerCase() === d.toLowerCase()) ?? d;

/** A WFDB record as the bridge would hold it: raw integers, gain and baseline per lead (header(5): gain 0 means 200). */
function toRecording(header: WfdbHeader, signals: WfdbSamples[], fromSecond = 0, seconds = Infinity): EcgRecording {
  const fs = header.samplingFrequency;
  const from = Math.round(fromSecond * fs);
  const to = Math.min(signals[0]!.length, from + Math.round(seconds * fs));
  return {
    samplingFrequency: fs,
    leads: header.signals.map((s, i) => ({
      name: leadName(s.description),
      unitsPerMv: (s.gain === 0 ? 200 : s.gain) * (s.units.toLowerCase() === 'uv' ? 0.001 : 1),
      baseline: s.baseline,
      samples: Int32Array.from(signals[i]!.subarray(from, to)),
    })),
    source: `WFDB ${header.recordName}`,
  };
}

/** The recorder's ADC range, from the header's resolution and zero, when it gives one. */
function adcRangeOf(header: WfdbHeader): QualityOptions['adcRange'] {
  const s = header.signals[0]!;
  if (!s.adcResolution || header.signals.some((o) => o.adcResolution !== s.adcResolution || o.adcZero !== s.adcZero)) return undefined;
  const half = 2 ** (s.adcResolution - 1);
  return { min: s.adcZero - half, max: s.adcZero + half - 1 };
}

const load = async (path: string) => readWfdbRecord(join(ECG, `${path}.hea`));

function rejects(report: QualityReport): string[] {
  return report.problems.filter((p) => p.severity === 'reject').map((p) => `${p.code}${p.lead ? `@${p.lead}` : ''}`);
}

t.test('every 10 s window of every real record is accepted', async (t) => {
  const warnings = new Map<string, number>();
  let windows = 0;
  for (const r of RECORDS) {
    const { header, signals } = await load(r.path);
    const opts = { mainsHz: r.mainsHz, adcRange: adcRangeOf(header) };
    const seconds = signals[0]!.length / header.samplingFrequency;
    const failed: string[] = [];
    for (let from = 0; from + 10 <= seconds + 1e-9; from += 10) {
      const report = assessSignalQuality(toRecording(header, signals, from, 10), opts);
      windows++;
      if (!report.accepted) failed.push(`${from} s: ${rejects(report).join(', ')}`);
      for (const p of report.problems) {
        const key = `${r.path} ${p.code}@${p.lead ?? '-'}`;
        warnings.set(key, (warnings.get(key) ?? 0) + 1);
      }
      if (report.heartRateBpm === null) failed.push(`${from} s: no heart rate`);
    }
    t.same(failed, [], `${r.path}: all windows accepted (ADC range ${JSON.stringify(opts.adcRange)})`);
  }
  t.comment(`${windows} windows; warnings: ${JSON.stringify(Object.fromEntries(warnings))}`);
  t.ok(windows > 500);
});

t.test('heart rate on mitdb 100s matches its annotations (74 beats in 60 s)', async (t) => {
  const { header, signals } = await load('mitdb/100s');
  const report = assessSignalQuality(toRecording(header, signals), { mainsHz: 60 });
  t.ok(report.accepted);
  // The .atr's 75 annotations are one rhythm label "(N" and 74 beats (73 normal, 1 APC).
  const annotated = readBeatAnnotations(readFileSync(join(ECG, 'mitdb/100s.atr')));
  t.equal(annotated.length, 74, 'the .atr holds 74 beats');
  t.ok(Math.abs(report.heartRateBpm! - 75) <= 3, `heart rate ${report.heartRateBpm!.toFixed(1)}/min`);
  // Every annotated beat found within 100 ms, and nothing else found.
  const tolerance = 0.1 * header.samplingFrequency;
  const matched = annotated.filter((a) => report.beats.some((b) => Math.abs(b - a) <= tolerance)).length;
  t.equal(matched, 74, 'sensitivity 74/74');
  t.equal(report.beats.length, 74, `${report.beats.length} beats detected`);
  const byLead = report.leads.map((l) => `${l.name} ${l.metrics!.heartRateBpm!.toFixed(1)}`);
  t.comment(`record ${report.heartRateBpm!.toFixed(1)}/min; per lead ${byLead.join(', ')}`);
});

/**
 * Beat times from an MIT-format annotation file (PhysioNet annot(5)): 16-bit LE words,
 * code = word >> 10, time step = word & 0x3FF; SKIP (59) is followed by a 32-bit step
 * (high half first), AUX (63) by its bytes, NUM/SUB/CHN (60–62) carry no time.
 */
function readBeatAnnotations(buf: Buffer): number[] {
  const beats: number[] = [];
  let time = 0;
  for (let p = 0; p + 1 < buf.length; ) {
    const w = buf.readUInt16LE(p);
    p += 2;
    const code = w >> 10, low = w & 0x3ff;
    if (code === 0 && low === 0) break;
    if (code === 59) {
      time += (buf.readInt16LE(p) * 65536) + buf.readUInt16LE(p + 2);
      p += 4;
    } else if (code === 63) p += (low + 1) & ~1;
    else if (code < 59) {
      time += low;
      // Beat codes of ecgcodes.h: NORMAL…UNKNOWN (1–13), BBB 25, AESC 34, SVESC 35, NAPC 37, PFUS 38, RONT 41.
      if ((code >= 1 && code <= 13) || [25, 34, 35, 37, 38, 41].includes(code)) beats.push(time);
    }
  }
  return beats;
}

/** LUDB record 1 (12 leads, 500 Hz, 10 s) with one lead changed in mV by `change`. */
async function ludbWith(lead: string, change: (mv: number, i: number, fs: number) => number): Promise<EcgRecording> {
  const { header, signals } = await load('ludb/1');
  const rec = toRecording(header, signals);
  const target = rec.leads.find((l) => l.name === lead)!;
  target.samples = target.samples.map((s, i) => Math.round(change((s - target.baseline) / target.unitsPerMv, i, rec.samplingFrequency) * target.unitsPerMv + target.baseline));
  return rec;
}

/** The only rejecting problems are `code` on `lead`. */
function expectOnly(t: Test, report: QualityReport, code: QualityCode, lead: string | undefined): void {
  t.equal(report.accepted, false, `${code} rejects`);
  t.same(rejects(report), [`${code}${lead ? `@${lead}` : ''}`], `only ${code} on ${lead ?? 'the recording'}`);
  const p = report.problems.find((q) => q.code === code)!;
  t.match(p.detail, /\w+/);
  t.comment(`${code}${lead ? ` ${lead}` : ''}: ${JSON.stringify(p.measured)}`);
}

t.test('the LUDB record as recorded is accepted with no problem at all', async (t) => {
  const report = assessSignalQuality(await ludbWith('V3', (mv) => mv), { mainsHz: 50 });
  t.same(report.problems, []);
  t.equal(report.leads.length, 12);
  t.ok(Math.abs(report.heartRateBpm! - 46) < 2, `${report.heartRateBpm} beats/min (LUDB: sinus bradycardia)`);
});

t.test('injected faults are caught with the right code and lead', async (t) => {
  const flat = assessSignalQuality(await ludbWith('V3', () => 0.4));
  expectOnly(t, flat, 'flatLine', 'V3');

  const brief = assessSignalQuality(await ludbWith('V3', (mv, i, fs) => (i > 3 * fs && i < 4.5 * fs ? 0.2 : mv)));
  t.same(brief.problems.map((p) => [p.code, p.lead, p.severity]), [['flatLine', 'V3', 'warn']], '1.5 s flat only warns');
  t.ok(brief.accepted);

  // Clipped by the lead's own extremes (no ADC range known): the tops of the R waves cut off.
  const original = (await ludbWith('V3', (mv) => mv)).leads.find((l) => l.name === 'V3')!;
  const peak = Math.max(...Array.from(original.samples, (s) => (s - original.baseline) / original.unitsPerMv));
  t.ok(peak > 0.5, `V3 peak ${peak.toFixed(2)} mV`);
  expectOnly(t, assessSignalQuality(await ludbWith('V3', (mv) => Math.min(mv, 0.5 * peak))), 'saturation', 'V3');

  // A 24-bit front end whose V3 input has drifted against the upper rail (electrode offset).
  const railed = await ludbWith('V3', (mv) => mv);
  const v3 = railed.leads.find((l) => l.name === 'V3')!;
  v3.samples = v3.samples.map((s) => Math.min(ECG_SAMPLE_MAX, s + ECG_SAMPLE_MAX - 800));
  expectOnly(t, assessSignalQuality(railed, { adcRange: { min: ECG_SAMPLE_MIN, max: ECG_SAMPLE_MAX } }), 'saturation', 'V3');

  const sine = (hz: number, mv: number) => (x: number, i: number, fs: number) => x + mv * Math.sin((2 * Math.PI * hz * i) / fs);
  const hum = assessSignalQuality(await ludbWith('V3', sine(60, 0.3)));
  expectOnly(t, hum, 'mainsNoise', 'V3');
  const measured = hum.leads.find((l) => l.name === 'V3')!.metrics!.mainsMv!;
  t.ok(Math.abs(measured - 0.3) < 0.02, `0.3 mV of 60 Hz measured as ${measured.toFixed(3)} mV`);
  const faint = assessSignalQuality(await ludbWith('V3', sine(60, 0.01)));
  t.ok(faint.accepted, '0.01 mV of 60 Hz is accepted');
  t.notOk(faint.problems.some((p) => p.code === 'mainsNoise'));

  expectOnly(t, assessSignalQuality(await ludbWith('aVF', sine(50, 0.3)), { mainsHz: 50 }), 'mainsNoise', 'aVF');
  t.notOk(assessSignalQuality(await ludbWith('aVF', sine(50, 0.3)), { mainsHz: 60 }).problems.some((p) => p.code === 'mainsNoise'),
    'the Goertzel filter at 60 Hz does not see 50 Hz');

  const drift = assessSignalQuality(await ludbWith('V3', (mv, i, fs) => mv + (5 * i) / (10 * fs)));
  expectOnly(t, drift, 'baselineWander', 'V3');

  expectOnly(t, assessSignalQuality(await ludbWith('V3', (mv) => mv), { leadOff: ['v3'] }), 'leadOff', 'V3');
  expectOnly(t, assessSignalQuality(await ludbWith('V3', (mv) => mv), { leadOff: ['RA'] }), 'leadOff', 'RA');
});

t.test('beat detection agrees with the cardiologists\' annotations over whole records', async (t) => {
  // 10 s windows as the bridge would see them; beats within 100 ms of a window's edge are not scored.
  for (const path of ['mitdb/100', 'mitdb/208', 'svdb/800']) {
    const { header, signals } = await load(path);
    const fs = header.samplingFrequency;
    const annotated = readBeatAnnotations(readFileSync(join(ECG, `${path}.atr`)));
    const tol = 0.1 * fs;
    let found = 0, missed = 0, extra = 0, weakest = Infinity;
    for (let from = 0; (from + 10) * fs <= signals[0]!.length; from += 10) {
      const report = assessSignalQuality(toRecording(header, signals, from, 10), { mainsHz: 60 });
      weakest = Math.min(weakest, report.qrsProminence);
      const start = from * fs;
      const inside = (s: number): boolean => s >= start + tol && s < start + 10 * fs - tol;
      const detected = report.beats.map((b) => b + start);
      for (const a of annotated.filter(inside)) detected.some((b) => Math.abs(b - a) <= tol) ? found++ : missed++;
      extra += detected.filter((b) => inside(b) && !annotated.some((a) => Math.abs(b - a) <= tol)).length;
    }
    const sensitivity = found / (found + missed), ppv = found / (found + extra);
    t.comment(`${path}: sensitivity ${(100 * sensitivity).toFixed(2)} %, positive predictivity ${(100 * ppv).toFixed(2)} % (${found} found, ${missed} missed, ${extra} extra); weakest window prominence ${weakest.toFixed(1)}`);
    t.ok(sensitivity >= 0.99 && ppv >= 0.99, `${path} Se and +P at least 99 %`);
    t.ok(weakest >= 1.5 * RECORD_LIMITS.minProminence, `${path}: every window's beats stand well above the noise limit`);
  }
});

t.test('one lead of pure noise among good ones is a warning on that lead', async (t) => {
  const next = mulberry32(9);
  const report = assessSignalQuality(await ludbWith('V3', () => 0.1 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
  t.ok(report.accepted);
  t.same(report.problems.map((p) => [p.code, p.lead, p.severity]), [['noHeartbeat', 'V3', 'warn']]);
  t.ok(Math.abs(report.heartRateBpm! - 46) < 2, 'the rate still comes from the other leads');
});

t.test('pure noise has no heartbeat; a short recording is too short', async (t) => {
  const { header, signals } = await load('ludb/1');
  for (const seed of [1, 2, 3, 4, 5]) {
    const next = mulberry32(seed);
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const rec = toRecording(header, signals);
    for (const l of rec.leads) l.samples = l.samples.map(() => Math.round(0.1 * gauss() * l.unitsPerMv + l.baseline));
    const report = assessSignalQuality(rec);
    expectOnly(t, report, 'noHeartbeat', undefined);
    t.equal(report.heartRateBpm, null);
  }
  // One lead alone is the hardest case: nothing to average the noise with (measured: at most ~2.1).
  for (const fs of [128, 250, 360, 1000]) {
    const next = mulberry32(fs);
    let weakest = 0;
    for (let run = 0; run < 10; run++) {
      const samples = Int32Array.from({ length: 10 * fs }, () => Math.round(20 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
      const report = assessSignalQuality({ samplingFrequency: fs, leads: [{ name: 'II', unitsPerMv: 200, baseline: 0, samples }] });
      t.same(rejects(report), ['noHeartbeat'], `one lead of noise at ${fs} Hz, run ${run}`);
      weakest = Math.max(weakest, report.qrsProminence);
    }
    t.comment(`single-lead noise at ${fs} Hz: highest prominence ${weakest.toFixed(2)} (limit ${RECORD_LIMITS.minProminence})`);
  }
  const short = assessSignalQuality(toRecording(header, signals, 0, 6));
  expectOnly(t, short, 'tooShort', undefined);
  t.ok(assessSignalQuality(toRecording(header, signals, 0, 6), { minSeconds: 5 }).accepted, 'minSeconds is an option');
});

t.test('input the bridge cannot measure is reported, never thrown', async (t) => {
  const lead = (over: Partial<EcgLead>): EcgLead => ({ name: 'II', unitsPerMv: 200, baseline: 0, samples: new Int32Array(5000), ...over });
  const codes = (r: QualityReport): string[] => rejects(r);
  t.same(codes(assessSignalQuality({ samplingFrequency: 500, leads: [] })), ['unreadable']);
  t.same(codes(assessSignalQuality({ samplingFrequency: 0, leads: [lead({})] })), ['unreadable']);
  t.same(codes(assessSignalQuality({ samplingFrequency: NaN, leads: [lead({})] })), ['unreadable']);
  t.same(codes(assessSignalQuality({ samplingFrequency: 500, leads: [lead({ unitsPerMv: 0 })] })), ['unreadable@II']);
  t.same(codes(assessSignalQuality({ samplingFrequency: 500, leads: [lead({ samples: new Int32Array(0) })] })), ['tooShort', 'unreadable@II']);
  t.same(codes(assessSignalQuality({ samplingFrequency: 500, leads: [lead({})] })), ['flatLine@II'], 'all zeros is a flat line');
});
