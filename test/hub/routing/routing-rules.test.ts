import t from 'tap';
import { chooseSpecialty, DEFAULT_RULES, type RoutingRule } from '../../../hub/routing/routing-rules.js';

const ECG = { mediaType: 'application/vnd.chasqui.ecg' };
const JPEG = { mediaType: 'image/jpeg' };

function body(reason: string, extra: Record<string, unknown> = {}) {
  return { patient: { ageYears: 40, sex: 'F' }, reason, history: '', specialty: null, ...extra };
}

t.test('the nurse\'s explicit choice wins over every rule', async (t) => {
  const d = chooseSpecialty({ body: body('Mancha en la piel', { specialty: 'obstetrics' }), attachments: [ECG, JPEG] });
  t.match(d, { specialty: 'obstetrics', rule: 'explicit' });
  const bogus = chooseSpecialty({ body: body('dolor de cabeza', { specialty: 'astrology' }), attachments: [] });
  t.match(bogus, { specialty: 'internalMedicine', rule: 'default' }, 'an unknown specialty is no choice');
});

t.test('an ECG goes to cardiology, in any of its formats, and wins over photos', async (t) => {
  for (const mediaType of ['application/vnd.chasqui.ecg', 'application/x-wfdb-signal', 'application/x-scp-ecg']) {
    const d = chooseSpecialty({ body: body('Skin rash on the arm'), attachments: [JPEG, { mediaType }] });
    t.match(d, { specialty: 'cardiology', rule: 'ecg', evidence: [mediaType] }, mediaType);
  }
  t.match(chooseSpecialty({ body: body('Palpitaciones'), attachments: [{ mediaType: 'text/plain' }] }), { specialty: 'internalMedicine' }, 'a .hea header alone is not an ECG');
});

t.test('a photo with a skin complaint goes to dermatology, in Spanish or English', async (t) => {
  const cases = [
    ['Lesión en la pierna que no cura', 'lesion*'],
    ['ERUPCIÓN en el tórax desde hace 3 días', 'erupcion*'],
    ['Picazón y ronchas después de comer', 'picazon'],
    ['Úlcera en el pie diabético', 'ulcera*'],
    ['Itchy rash on both arms', 'rash*'],
    ['Wound on the left hand after a machete cut', 'wound*'],
  ] as const;
  for (const [reason, kw] of cases) {
    t.match(chooseSpecialty({ body: body(reason), attachments: [JPEG] }), { specialty: 'dermatology', rule: 'skinPhoto', evidence: ['image/jpeg', kw] }, reason);
  }
  t.match(chooseSpecialty({ body: body('Dolor abdominal'), attachments: [JPEG] }), { specialty: 'internalMedicine' }, 'a photo without a skin complaint');
  t.match(chooseSpecialty({ body: body('Mancha en la piel'), attachments: [] }), { specialty: 'internalMedicine' }, 'a skin complaint without a photo');
  const inHistory = body('Control', { history: 'Paciente refiere herida infectada' });
  t.match(chooseSpecialty({ body: inHistory, attachments: [JPEG] }), { specialty: 'dermatology' }, 'the history counts too');
});

t.test('whole words only: "piel" is not found inside another word', async (t) => {
  t.match(chooseSpecialty({ body: body('Pielonefritis probable'), attachments: [JPEG] }), { specialty: 'internalMedicine' });
  t.match(chooseSpecialty({ body: body('Chest burning after meals'), attachments: [JPEG] }), { specialty: 'internalMedicine' });
});

t.test('a pregnant patient goes to obstetrics', async (t) => {
  for (const reason of ['Gestante de 32 semanas con cefalea', 'Sangrado vaginal escaso', 'Embarazada, FUR 02/03/2026', 'Contracciones cada 10 minutos', 'Pregnant woman with swollen legs', 'Vaginal bleeding since yesterday']) {
    t.match(chooseSpecialty({ body: body(reason), attachments: [] }), { specialty: 'obstetrics', rule: 'obstetric' }, reason);
  }
});

t.test('a patient under 15 goes to paediatrics; 15 and over does not', async (t) => {
  const child = (age: unknown) => ({ patient: { ageYears: age }, reason: 'Fiebre y tos', history: '', specialty: null });
  t.match(chooseSpecialty({ body: child(3), attachments: [] }), { specialty: 'paediatrics', rule: 'paediatric', evidence: ['3 years'] });
  t.match(chooseSpecialty({ body: child(14), attachments: [] }), { specialty: 'paediatrics' });
  t.match(chooseSpecialty({ body: child(15), attachments: [] }), { specialty: 'internalMedicine', rule: 'default' });
  t.match(chooseSpecialty({ body: child(null), attachments: [] }), { specialty: 'internalMedicine' }, 'an unknown age is not a child');
  const pregnantTeen = { ...child(14), reason: 'Gestante de 14 años' };
  t.match(chooseSpecialty({ body: pregnantTeen, attachments: [] }), { specialty: 'obstetrics' }, 'obstetrics comes before age in the list');
  t.match(chooseSpecialty({ body: child(8), attachments: [ECG] }), { specialty: 'cardiology' }, 'a child\'s ECG goes to cardiology');
});

t.test('anything else goes to internal medicine, and a garbled body does not throw', async (t) => {
  t.match(chooseSpecialty({ body: body('Dolor de cabeza'), attachments: [] }), { specialty: 'internalMedicine', rule: 'default' });
  t.match(chooseSpecialty({ body: null, attachments: [] }), { specialty: 'internalMedicine' });
  t.match(chooseSpecialty({ body: { reason: 42, patient: 'x' }, attachments: [] }), { specialty: 'internalMedicine' });
});

t.test('a region can tune the rules: its list replaces the default, order decides', async (t) => {
  const rules: RoutingRule[] = [
    { id: 'chagas', specialty: 'cardiology', keywords: ['chagas'] },
    ...DEFAULT_RULES.filter((r) => r.id !== 'default'),
  ];
  t.match(chooseSpecialty({ body: body('Serología de Chagas positiva'), attachments: [] }, rules), { specialty: 'cardiology', rule: 'chagas' });
  t.match(chooseSpecialty({ body: body('Dolor de cabeza'), attachments: [] }, rules), { specialty: 'internalMedicine', rule: 'fallback' }, 'no catch-all still lands somewhere');
});
