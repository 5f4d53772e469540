/**
 * A counter-reference's diagnoses on the wire: the hub's {code, description}
 * in HIS-MINSA form, and older messages' {code, text} with a dotted code,
 * both read by the same check, so a post keeps showing what it already has.
 */
import t from 'tap';
import { checkCounterReference, diagnosisLabel } from '../../protocol/case-messages.js';

const answer = (diagnoses: unknown) => ({
  type: 'answer', caseId: 'k1', author: { name: 'Dra. Quispe', specialty: 'cardiology' }, sentAt: '2026-11-23T14:41:00.000Z', assessment: 'x', diagnoses,
});

t.test('the hub\'s diagnoses: code and the classification\'s description', async (t) => {
  const cr = checkCounterReference(answer([{ code: 'I10X', description: 'Hipertensión esencial (primaria)' }, { code: 'U071', description: 'COVID-19, virus identificado' }]));
  t.same(cr.diagnoses, [{ code: 'I10X', description: 'Hipertensión esencial (primaria)' }, { code: 'U071', description: 'COVID-19, virus identificado' }]);
  t.equal(diagnosisLabel(cr.diagnoses![0]!), 'Hipertensión esencial (primaria)');
});

t.test('older messages stay readable: a dotted code and typed words', async (t) => {
  const cr = checkCounterReference(answer([{ code: 'I21.1', text: 'Infarto inferior' }]));
  t.same(cr.diagnoses, [{ code: 'I21.1', text: 'Infarto inferior' }]);
  t.equal(diagnosisLabel(cr.diagnoses![0]!), 'Infarto inferior');
  t.equal(diagnosisLabel({ code: 'I10X', description: 'Hipertensión esencial (primaria)', text: 'otra cosa' }), 'Hipertensión esencial (primaria)', 'the classification\'s words win');
});

t.test('what is not a diagnosis is refused', async (t) => {
  t.throws(() => checkCounterReference(answer([{ code: 'dolor', description: 'x' }])), /ICD-10 code/);
  t.throws(() => checkCounterReference(answer([{ code: 'I10X' }])), /diagnosis 1 text is required/, 'a code with no words at all');
  t.throws(() => checkCounterReference(answer([{ code: 'I10X', description: 7 }])), /description must be text/);
});
