import t, { type Test } from 'tap';
import { isChasquiError } from '../../../lib/errors.js';
import {
  CONTEC_BASELINE,
  CONTEC_HEADER,
  CONTEC_INVALID,
  decodeContecEcg90a,
  looksLikeContec,
} from '../../../firmware-bridge/ecg/contec-ecg90a.js';
import { mulberry32 } from '../../link/prng.js';
import { anHourAgo } from '../../support/recent-time.js';
import { contecFile } from './contec-writer.js';
import { expectEcgError } from './expect-ecg-error.js';

function frames(random: () => number, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: 8 }, () => CONTEC_BASELINE - 300 + Math.floor(random() * 600)));
}

t.test('decodes the documented layout: 8 stored leads at 800 Hz, 5 µV per unit around 2048', async (t) => {
  const rows = frames(mulberry32(90), 800);
  const acquired = anHourAgo();
  const file = contecFile(rows, { caseName: '0000037', name: 'QUISPE', sex: 1, age: 63, weight: 58, timestamp: acquired.wall.replace('T', ' ') });
  t.ok(looksLikeContec(file));
  const ecg = decodeContecEcg90a(file, '0000037.ECG');
  t.same(ecg.recording.leads.map((l) => l.name), ['II', 'III', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  t.equal(ecg.recording.samplingFrequency, 800);
  t.equal(ecg.recording.startedAt, acquired.wall, 'the time the header carries');
  t.equal(ecg.recording.source, 'Contec ECG90A file 0000037.ECG');
  ecg.recording.leads.forEach((lead, k) => {
    t.equal(lead.unitsPerMv, 200);
    t.equal(lead.baseline, 2048);
    t.same(Array.from(lead.samples), rows.map((r) => r[k]), `${lead.name} samples as stored`);
  });
  t.same(
    { caseName: ecg.caseName, patientName: ecg.patientName, sex: ecg.sex, age: ecg.age, weight: ecg.weight },
    { caseName: '0000037', patientName: 'QUISPE', sex: 'male', age: 63, weight: 58 },
  );
  t.same(ecg.absentLeads, []);
  t.equal(ecg.outOfScaleSamples, 0);
  const blank = decodeContecEcg90a(contecFile(rows.slice(0, 10), { sex: 255 }));
  t.equal(blank.sex, undefined, 'sex 255 is blank');
  t.equal(blank.age, undefined, 'age 0 is missing');
});

t.test('a frame of zeros ends the data; unconnected leads are left out; stray out-of-scale values are counted', async (t) => {
  const rows = frames(mulberry32(7), 100).map((r) => [r[0]!, r[1]!, ...r.slice(2).map(() => CONTEC_INVALID)]);
  rows[10]![1] = CONTEC_INVALID;
  const ecg = decodeContecEcg90a(contecFile(rows, {}, true));
  t.same(ecg.recording.leads.map((l) => l.name), ['II', 'III']);
  t.same(ecg.absentLeads, ['V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  t.equal(ecg.outOfScaleSamples, 1);
  t.equal(ecg.recording.leads[0]!.samples.length, 100, 'data stops at the zero frame');
  t.equal(ecg.recording.leads[1]!.samples[10], CONTEC_INVALID, 'kept as stored');
});

t.test('refuses what is not an ECG90A file', async (t) => {
  const good = contecFile(frames(mulberry32(1), 20));
  expectEcgError(t, () => decodeContecEcg90a(good.subarray(0, good.length - 3), 'x.ECG'), /x\.ECG: .* not whole 16-byte frames/);
  expectEcgError(t, () => decodeContecEcg90a(good.subarray(0, 50)), /shorter than an ECG90A header and footer/);
  expectEcgError(t, () => decodeContecEcg90a(contecFile(frames(mulberry32(1), 20), { timestamp: '12/11/2020 18:09:05' })), /timestamp is not "YYYY-MM-DD HH:MM:SS"/);
  expectEcgError(t, () => decodeContecEcg90a(contecFile(frames(mulberry32(1), 20), { timestamp: '2020-13-12 18:09:05' })), /timestamp/);
  expectEcgError(t, () => decodeContecEcg90a(contecFile([], {}, true)), /holds no samples/);
  expectEcgError(t, () => decodeContecEcg90a(contecFile([])), /holds no samples/);
  expectEcgError(t, () => decodeContecEcg90a(contecFile([new Array<number>(8).fill(CONTEC_INVALID)])), /every lead is out of scale/);
  t.notOk(looksLikeContec(good.subarray(0, good.length - 1)));
});

t.test('fuzz: seeded mutations never throw anything but CHASQUI_ERR_ECG_FORMAT', async (t) => {
  const random = mulberry32(9090);
  const base = contecFile(frames(random, 200));
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    const m = Uint8Array.from(base);
    for (let k = 0; k < 1 + Math.floor(random() * 6); k++) m[Math.floor(random() * CONTEC_HEADER * 2)] = Math.floor(random() * 256);
    const cut = random() < 0.3 ? m.subarray(0, Math.floor(random() * m.length)) : m;
    try {
      decodeContecEcg90a(cut);
    } catch (err) {
      if (!isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT')) {
        t.fail(`mutation ${i} threw ${String(err)}`);
        return;
      }
      refused++;
    }
  }
  t.ok(refused > 0 && refused < 300, `${refused} of 300 refused`);
});
