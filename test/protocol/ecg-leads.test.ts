import t from 'tap';
import { join } from 'node:path';
import { isChasquiError } from '../../lib/errors.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { deriveLimbLeads, STANDARD_LEADS, twelveLeads } from '../../protocol/ecg-leads.js';
import type { EcgRecording } from '../../protocol/ecg-recording.js';
import { SHARED_DATA } from '../support/paths.js';

const LUDB = join(SHARED_DATA, 'ecg/ludb/1.hea');

t.test('Einthoven and Goldberger from I and II', async (t) => {
  t.same(deriveLimbLeads(1, 2), { III: 1, aVR: -1.5, aVL: 0, aVF: 1.5 });
  t.same(deriveLimbLeads(0.75, -0.5), { III: -1.25, aVR: -0.125, aVL: 1, aVF: -0.875 });
  // The augmented leads of one instant sum to zero (Goldberger); I + III = II (Einthoven).
  for (const [i, ii] of [[1.2, 0.4], [-0.7, 2.1], [0, 0]] as const) {
    const d = deriveLimbLeads(i, ii);
    t.ok(Math.abs(d.aVR + d.aVL + d.aVF) < 1e-12, `aVR + aVL + aVF = 0 for I=${i}, II=${ii}`);
    t.ok(Math.abs(i + d.III - ii) < 1e-12, `I + III = II for I=${i}, II=${ii}`);
  }
});

t.test('LUDB record 1: derived III, aVR, aVL, aVF equal the recorded ones to the last bit', async (t) => {
  const { header, signals } = await readWfdbRecord(LUDB);
  // The header's per-lead "gains" are each lead's peak-to-peak range, not a
  // calibration (see LUDB_UNITS_PER_MV in the Cyton emulator); pin that down,
  // since it is why this test puts every lead on one common scale.
  header.signals.forEach((s, i) => {
    const x = signals[i] as Int16Array;
    t.equal(s.gain, Math.max(...x) - Math.min(...x), `${s.description}: header gain = sample range`);
  });
  const unitsPerMv = 1000;
  const rec: EcgRecording = {
    samplingFrequency: header.samplingFrequency,
    leads: header.signals.map((s, i) => ({ name: s.description, unitsPerMv, baseline: 0, samples: Int32Array.from(signals[i] as Int16Array) })),
  };
  const twelve = twelveLeads(rec);
  t.same(twelve.leads.map((l) => l.name), [...STANDARD_LEADS]);
  t.same(twelve.missing, []);
  t.same(twelve.leads.map((l) => l.derived), [false, false, true, true, true, true, false, false, false, false, false, false]);
  t.equal(twelve.samplingFrequency, 500);

  const recorded = (name: string): Int16Array => signals[header.signals.findIndex((s) => s.description === name.toLowerCase())] as Int16Array;
  const maxError = (name: string): number => {
    const d = twelve.leads.find((l) => l.name === name)!.mv;
    const r = recorded(name);
    let max = 0;
    for (let n = 0; n < r.length; n++) max = Math.max(max, Math.abs((d[n] as number) - (r[n] as number) / unitsPerMv));
    return max;
  };
  // III = II − I holds in the file's integers exactly; the augmented leads are
  // halves rounded to whole units by the recorder, so they may be off by 0.5 unit.
  t.ok(maxError('III') < 1e-12, `III max error ${maxError('III')} mV`);
  for (const name of ['aVR', 'aVL', 'aVF']) {
    const e = maxError(name);
    t.ok(e <= 0.5 / unitsPerMv + 1e-12, `${name} max error ${e} mV ≤ half a unit`);
    t.ok(e > 0.4 / unitsPerMv, `${name}: the recorder rounded some halves (so the test can see a wrong formula)`);
  }
  for (const name of ['I', 'II', 'V1', 'V6']) t.equal(maxError(name), 0, `${name} is passed through`);
});

t.test('with the header gains as given, the limb leads would disagree by a third of a millivolt', async (t) => {
  const { header, signals } = await readWfdbRecord(LUDB);
  const rec: EcgRecording = {
    samplingFrequency: 500,
    leads: header.signals.map((s, i) => ({ name: s.description, unitsPerMv: s.gain, baseline: s.baseline, samples: Int32Array.from(signals[i] as Int16Array) })),
  };
  const iii = twelveLeads(rec).leads.find((l) => l.name === 'III')!.mv;
  const s = header.signals[2]!;
  let max = 0;
  signals[2]!.forEach((v, n) => (max = Math.max(max, Math.abs((iii[n] as number) - (v - s.baseline) / s.gain))));
  t.ok(max > 0.3 && max < 0.4, `measured ${max.toFixed(3)} mV`);
});

t.test('baselines, lead-name case, missing leads', async (t) => {
  const lead = (name: string, values: number[], baseline = 0, unitsPerMv = 100) => ({ name, unitsPerMv, baseline, samples: Int32Array.from(values) });
  const rec: EcgRecording = { samplingFrequency: 250, leads: [lead('ii', [210, 110], 10), lead('i', [100, 50], 0, 50), lead('v2', [5, -5])] };
  const twelve = twelveLeads(rec);
  t.same(twelve.leads.map((l) => l.name), ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V2']);
  t.same(twelve.missing, ['V1', 'V3', 'V4', 'V5', 'V6']);
  t.same(Array.from(twelve.leads[0]!.mv), [2, 1]);
  t.same(Array.from(twelve.leads[1]!.mv), [2, 1]);
  t.same(Array.from(twelve.leads[2]!.mv), [0, 0]);
  t.same(Array.from(twelve.leads[3]!.mv), [-2, -1]);
  t.same(Array.from(twelve.leads[6]!.mv), [0.05, -0.05]);

  for (const leads of [[lead('II', [1])], [lead('I', [1]), lead('MLII', [1])], []]) {
    try {
      twelveLeads({ samplingFrequency: 250, leads });
      t.fail('expected CHASQUI_ERR_ECG_FORMAT');
    } catch (err) {
      t.ok(isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT'), String(err));
      t.match((err as Error).message, /needs leads I and II/);
    }
  }
});
