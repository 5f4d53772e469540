import t from 'tap';
import { join } from 'node:path';
import { wfdbToRecording } from '../../../firmware-bridge/ecg/ecg-files.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { ECG_MEDIA_TYPE, ecgView, viewLeadMillivolts } from '../../../hub/ecg/ecg-view.js';
import { encodeEcg } from '../../../protocol/ecg-codec.js';
import { STANDARD_LEADS } from '../../../protocol/ecg-leads.js';
import type { EcgRecording } from '../../../protocol/ecg-recording.js';
import { SHARED_DATA } from '../../support/paths.js';

// LUDB stores whole microvolts; its header "gains" are each lead's range, not a
// calibration (test/protocol/ecg-leads.test.ts pins that down).
const LUDB_UNITS_PER_MV = 1000;

async function ludb(only?: string[]): Promise<EcgRecording> {
  const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const leads = header.signals
    .map((s, i) => ({ name: s.description, unitsPerMv: LUDB_UNITS_PER_MV, baseline: 0, samples: Int32Array.from(signals[i] as Int16Array) }))
    .filter((l) => !only || only.includes(l.name));
  return { samplingFrequency: header.samplingFrequency, leads, startedAt: '2026-11-20T09:14:00', source: 'LUDB record 1' };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

t.test('LUDB 12-lead: standard order, recorded values to the microvolt, 3×4 + rhythm', async (t) => {
  const rec = await ludb();
  const view = ecgView(encodeEcg(rec), ECG_MEDIA_TYPE);
  t.same(view.leads.map((l) => l.name), [...STANDARD_LEADS]);
  t.ok(view.leads.every((l) => !l.derived), 'every lead of LUDB is recorded, none derived');
  t.equal(view.layout, '3x4+rhythm');
  t.equal(view.rhythmLead, 'II');
  t.match(view, { samplingFrequency: 500, durationS: 10, startS: 0, samplesPerLead: 5000, filters: 'none', startedAt: '2026-11-20T09:14:00', source: 'LUDB record 1' });
  for (const lead of view.leads) {
    const src = rec.leads.find((l) => l.name.toLowerCase() === lead.name.toLowerCase())!;
    const want = Array.from(src.samples, (v) => v / LUDB_UNITS_PER_MV);
    t.ok(maxDiff(viewLeadMillivolts(lead), want) < 1e-9, `${lead.name} equals the source (1 µV steps, lossless)`);
    t.equal(lead.mvPerUnit, 0.001);
  }
  // The payload, measured: samples as Int16/base64 against decimal JSON rounded to 3 places.
  const samplesChars = view.leads.reduce((n, l) => n + l.samples.length, 0);
  const jsonBytes = Buffer.byteLength(JSON.stringify(view));
  const decimal = Buffer.byteLength(JSON.stringify(rec.leads.map((l) => Array.from(l.samples, (v) => Math.round(v) / LUDB_UNITS_PER_MV))));
  t.equal(samplesChars, 12 * Math.ceil(10000 / 3) * 4, '12 leads × 5000 samples × 2 bytes, in base64');
  t.ok(jsonBytes < 161000, `whole view JSON ${jsonBytes} bytes`);
  t.ok(decimal > 2 * samplesChars, `decimal JSON would be ${decimal} bytes`);
  t.comment(`LUDB 12-lead 10 s: view JSON ${jsonBytes} bytes; mv arrays as 3-decimal JSON ${decimal} bytes`);
});

t.test('an 8-lead record (I, II, V1–V6, as an OpenBCI capture) gets III, aVR, aVL, aVF derived and marked', async (t) => {
  const eight = await ludb(['i', 'ii', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  t.equal(eight.leads.length, 8);
  const view = ecgView(encodeEcg(eight), ECG_MEDIA_TYPE);
  t.same(view.leads.map((l) => l.name), [...STANDARD_LEADS]);
  t.same(view.leads.map((l) => l.derived), [false, false, true, true, true, true, false, false, false, false, false, false]);
  t.equal(view.layout, '3x4+rhythm');
  // Against the leads LUDB's recorder computed itself: III exactly, the augmented
  // leads within its half-unit rounding plus our 1 µV step.
  const full = await ludb();
  for (const name of ['III', 'aVR', 'aVL', 'aVF']) {
    const recorded = full.leads.find((l) => l.name.toLowerCase() === name.toLowerCase())!.samples;
    const got = viewLeadMillivolts(view.leads.find((l) => l.name === name)!);
    const e = maxDiff(got, Array.from(recorded, (v) => v / LUDB_UNITS_PER_MV));
    t.ok(e <= 0.001 + 1e-9, `${name}: within 1 µV of the recorded lead (${e.toFixed(6)} mV)`);
  }
});

t.test('MIT-BIH 100s (MLII, V5): rhythm layout of the leads it has, a 10 s excerpt by default', async (t) => {
  const { header, signals } = await readWfdbRecord(join(SHARED_DATA, 'ecg/mitdb/100s.hea'));
  const rec = wfdbToRecording(header, signals, header.recordName);
  const view = ecgView(encodeEcg(rec), `${ECG_MEDIA_TYPE}; charset=binary`);
  t.equal(view.layout, 'rhythm');
  t.same(view.leads.map((l) => [l.name, l.derived]), [['MLII', false], ['V5', false]]);
  t.equal(view.rhythmLead, 'MLII');
  t.match(view, { samplingFrequency: 360, durationS: 60, startS: 0, samplesPerLead: 3600 });
  const mlii = viewLeadMillivolts(view.leads[0]!);
  const want = Array.from(rec.leads[0]!.samples.subarray(0, 3600), (v) => (v - 1024) / 200);
  t.ok(maxDiff(mlii, want) < 1e-9, 'MLII equals the record (5 µV steps fall on whole µV)');

  const later = ecgView(encodeEcg(rec), ECG_MEDIA_TYPE, { startS: 55, seconds: 10 });
  t.match(later, { startS: 55, samplesPerLead: 1800 }, 'an excerpt near the end is cut at the end');
  const tail = Array.from(rec.leads[1]!.samples.subarray(55 * 360), (v) => (v - 1024) / 200);
  t.ok(maxDiff(viewLeadMillivolts(later.leads[1]!), tail) < 1e-9);
});

t.test('a lead beyond ±32 mV (a raw DC offset) is stepped coarser instead of clipped', async (t) => {
  const samples = Int32Array.from({ length: 500 }, (_, i) => 300_000 + (i % 50 === 0 ? 1500 : 0));
  const view = ecgView(encodeEcg({ samplingFrequency: 250, leads: [{ name: 'CH1', unitsPerMv: 1000, baseline: 0, samples }] }), ECG_MEDIA_TYPE);
  const lead = view.leads[0]!;
  t.equal(lead.mvPerUnit, 0.01);
  t.ok(maxDiff(viewLeadMillivolts(lead), Array.from(samples, (v) => v / 1000)) <= 0.005 + 1e-9, 'within half a step');
  t.equal(view.durationS, 2);
});

t.test('refusals', async (t) => {
  const bytes = encodeEcg(await ludb(['i', 'ii']));
  t.throws(() => ecgView(bytes, 'application/octet-stream'), { code: 'CHASQUI_ERR_ECG_FORMAT' });
  const damaged = bytes.slice();
  damaged[damaged.length - 10]! ^= 0x40;
  t.throws(() => ecgView(damaged, ECG_MEDIA_TYPE), { code: 'CHASQUI_ERR_ECG_FORMAT' });
  t.throws(() => ecgView(bytes, ECG_MEDIA_TYPE, { startS: 10 }), { code: 'CHASQUI_ERR_BAD_REQUEST' });
  t.throws(() => ecgView(bytes, ECG_MEDIA_TYPE, { seconds: 0 }), { code: 'CHASQUI_ERR_BAD_REQUEST' });
  t.throws(() => ecgView(bytes, ECG_MEDIA_TYPE, { seconds: 61 }), { code: 'CHASQUI_ERR_BAD_REQUEST' });
  t.equal(ecgView(bytes, ECG_MEDIA_TYPE, { seconds: 60 }).samplesPerLead, 5000, 'a longer excerpt than the record is the record');
  t.equal(ecgView(bytes, ECG_MEDIA_TYPE).layout, 'rhythm', 'I and II alone: no 3×4 grid with empty chest leads');
});
