/** Vital signs: hard limits refuse slips on both sides, abnormal values are kept and flagged, a decimal comma is fine. */
import t from 'tap';
import { checkVitals, hasErrors, parseDecimal, VITAL_RULES, vitalsForCase, vitalsFromForm, type VitalField, type VitalsInput } from '../../../node/cases/vitals.js';

/** A blood pressure value needs its partner; give one that keeps the pair valid. */
function withPartner(f: VitalField, v: string): VitalsInput {
  if (f === 'systolic') return { systolic: v, diastolic: '20' };
  if (f === 'diastolic') return { systolic: '300', diastolic: v };
  return { [f]: v };
}

t.test('every hard limit, both sides: the limit is accepted, one step past it is refused', async (t) => {
  const fields = Object.keys(VITAL_RULES) as VitalField[];
  for (const f of fields) {
    const r = VITAL_RULES[f];
    const step = r.whole ? 1 : 0.1;
    const fmt = (n: number): string => String(Math.round(n * 10) / 10).replace('.', ',');
    t.same(checkVitals(withPartner(f, fmt(r.min))).errors, {}, `${f} ${r.min} accepted`);
    t.same(checkVitals(withPartner(f, fmt(r.max))).errors, {}, `${f} ${r.max} accepted`);
    const low = checkVitals(withPartner(f, fmt(r.min - step)));
    t.same(low.errors[f], { code: 'vitals.error.tooLow', params: { min: r.min, unit: r.unit } }, `${f} below ${r.min}`);
    t.equal(low.values[f], undefined, 'a refused value is not kept as a value');
    const high = checkVitals(withPartner(f, fmt(r.max + step)));
    t.same(high.errors[f], { code: 'vitals.error.tooHigh', params: { max: r.max, unit: r.unit } }, `${f} above ${r.max}`);
  }
});

t.test('the brief’s impossible values', async (t) => {
  t.equal(checkVitals({ spo2: '101' }).errors.spo2?.code, 'vitals.error.tooHigh');
  t.equal(checkVitals({ temperature: '45' }).errors.temperature?.code, 'vitals.error.tooHigh');
  t.equal(checkVitals({ pulse: '400' }).errors.pulse?.code, 'vitals.error.tooHigh');
  t.equal(checkVitals({ weight: '0' }).errors.weight?.code, 'vitals.error.tooLow');
  t.equal(checkVitals({ respRate: '-3' }).errors.respRate?.code, 'vitals.error.tooLow');
});

t.test('impossible combinations of blood pressure', async (t) => {
  const equal = checkVitals({ systolic: '80', diastolic: '80' });
  t.same(equal.errors.systolic, { code: 'vitals.error.systolicNotAbove', params: { systolic: 80, diastolic: 80 } });
  t.same(equal.values, {}, 'neither half of a wrong pair is kept');
  t.equal(checkVitals({ systolic: '70', diastolic: '90' }).errors.systolic?.code, 'vitals.error.systolicNotAbove');
  t.equal(checkVitals({ systolic: '120' }).errors.diastolic?.code, 'vitals.error.pairMissing');
  t.equal(checkVitals({ diastolic: '80' }).errors.systolic?.code, 'vitals.error.pairMissing');
  const partnerBad = checkVitals({ systolic: '120', diastolic: '8O' });
  t.equal(partnerBad.errors.diastolic?.code, 'vitals.error.notNumber', 'the typo is named, not reported as a missing half');
  t.same(checkVitals({ systolic: '121', diastolic: '120' }).errors, {}, 'a narrow pulse pressure is odd but possible');
});

t.test('decimal comma, blanks, and text that is not a number', async (t) => {
  t.equal(parseDecimal('37,5'), 37.5);
  t.equal(parseDecimal(' 37.5 '), 37.5);
  t.equal(parseDecimal(''), undefined);
  t.equal(parseDecimal('   '), undefined);
  for (const bad of ['37,5,1', 'abc', '1e2', '37 5', '٣٧', '0x40', '37,']) t.ok(Number.isNaN(parseDecimal(bad)), `"${bad}" is not a number`);
  const c = checkVitals({ temperature: '37,5', weight: '62,3' });
  t.same(c.values, { temperature: 37.5, weight: 62.3 });
  t.same(c.errors, {});
  t.equal(checkVitals({ pulse: '72,5' }).errors.pulse?.code, 'vitals.error.wholeNumber');
  t.equal(checkVitals({ spo2: 'noventa' }).errors.spo2?.code, 'vitals.error.notNumber');
  t.same(checkVitals({}), { values: {}, errors: {}, flags: {} }, 'every vital is optional');
});

t.test('plausible but abnormal values are accepted and flagged by adult ranges', async (t) => {
  const c = checkVitals({ spo2: '85', pulse: '130', temperature: '38,6', respRate: '28', systolic: '85', diastolic: '50', weight: '3,2' });
  t.same(c.errors, {});
  t.same(c.flags, { spo2: 'low', pulse: 'high', temperature: 'high', respRate: 'high', systolic: 'low', diastolic: 'low' }, 'weight has no flag');
  t.same(checkVitals({ systolic: '160', diastolic: '95' }).flags, { systolic: 'high', diastolic: 'high' });
  t.same(checkVitals({ spo2: '94', pulse: '51', temperature: '36,1', respRate: '12' }).flags, {}, 'the low ends of the normal bands');
  t.same(checkVitals({ spo2: '93', pulse: '50', temperature: '36', respRate: '11' }).flags, { spo2: 'low', pulse: 'low', temperature: 'low', respRate: 'low' });
  t.same(checkVitals({ pulse: '90', temperature: '38', respRate: '20', systolic: '139', diastolic: '89' }).flags, {}, 'the high ends');
  t.same(checkVitals({ pulse: '91', temperature: '38,1', respRate: '21', systolic: '140', diastolic: '90' }).flags,
    { pulse: 'high', temperature: 'high', respRate: 'high', systolic: 'high', diastolic: 'high' });
});

t.test('form reading and the case body', async (t) => {
  const input = vitalsFromForm({ spo2: ' 85 ', pulse: '', reason: 'tos', temperature: 37 });
  t.same(input, { spo2: '85' }, 'only vitals fields, only text, trimmed');
  const c = checkVitals({ spo2: '85', temperature: '37,5' });
  t.notOk(hasErrors(c));
  t.same(vitalsForCase(c), { spo2: { value: 85, unit: '%', flag: 'low' }, temperature: { value: 37.5, unit: '°C' } });
  t.ok(hasErrors(checkVitals({ spo2: '101' })));
});
