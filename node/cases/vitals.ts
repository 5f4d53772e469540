/**
 * Vital signs as a nurse types them: each optional, decimal comma accepted
 * ("37,5"). Two kinds of check, kept apart on purpose:
 *
 * - Hard limits refuse what cannot be a reading of a living patient (SpO2
 *   above 100 %, 45 °C, a pulse of 400, systolic not above diastolic). These
 *   are typing slips; the case is not sent until they are fixed. The limits
 *   are wide enough for newborns and for the critically ill (an infant's SVT
 *   can reach 300 bpm, hypothermia 25 °C), since posts see both.
 * - Plausible but abnormal values are kept and flagged 'low' or 'high' so the
 *   specialist sees them at a glance. Flags use ADULT ranges:
 *     pulse, respiratory rate, temperature: the NEWS2 band that scores 0
 *       (Royal College of Physicians, National Early Warning Score 2, 2017):
 *       pulse 51–90, RR 12–20, temperature 36.1–38.0 °C;
 *     SpO2: below 94 % is low (BTS guideline for oxygen use in adults, 2017:
 *       target 94–98 %);
 *     blood pressure: high from 140 systolic or 90 diastolic (ESC/ESH 2018
 *       hypertension guideline, grade 1); low below 90 / 60 (the usual
 *       hypotension threshold).
 *   Weight has no flag: it needs height and age to mean anything.
 * Errors are codes with params (i18n keys under `vitals.`), translated by the UI.
 */

export const VITAL_FIELDS = ['systolic', 'diastolic', 'pulse', 'spo2', 'temperature', 'respRate', 'weight'] as const;
export type VitalField = (typeof VITAL_FIELDS)[number];
export type VitalFlag = 'low' | 'high';
export type VitalValues = Partial<Record<VitalField, number>>;
export type VitalsInput = Partial<Record<VitalField, string>>;

export interface VitalError {
  /** An i18n key, e.g. 'vitals.error.tooHigh'. */
  code: string;
  params?: Record<string, string | number>;
}

export interface VitalsCheck {
  values: VitalValues;
  errors: Partial<Record<VitalField, VitalError>>;
  flags: Partial<Record<VitalField, VitalFlag>>;
}

interface Rule {
  unit: string;
  min: number;
  max: number;
  /** Readings devices and nurses give in whole numbers; "120,5 mmHg" is a slip. */
  whole: boolean;
  /** Inclusive normal band; outside it the value is flagged. */
  normal?: { low: number; high: number };
}

export const VITAL_RULES: Readonly<Record<VitalField, Rule>> = {
  systolic: { unit: 'mmHg', min: 50, max: 300, whole: true, normal: { low: 90, high: 139 } },
  diastolic: { unit: 'mmHg', min: 20, max: 200, whole: true, normal: { low: 60, high: 89 } },
  pulse: { unit: '/min', min: 20, max: 300, whole: true, normal: { low: 51, high: 90 } },
  spo2: { unit: '%', min: 50, max: 100, whole: true, normal: { low: 94, high: 100 } },
  temperature: { unit: '°C', min: 25, max: 44, whole: false, normal: { low: 36.1, high: 38.0 } },
  respRate: { unit: '/min', min: 4, max: 80, whole: true, normal: { low: 12, high: 20 } },
  weight: { unit: 'kg', min: 0.3, max: 300, whole: false },
};

const NUMBER = /^-?\d{1,4}(?:[.,]\d{1,2})?$/;

/** "37,5" → 37.5; '' → undefined; anything else that is not a plain number → NaN. */
export function parseDecimal(text: string | undefined): number | undefined {
  const s = (text ?? '').trim();
  if (s === '') return undefined;
  return NUMBER.test(s) ? Number(s.replace(',', '.')) : Number.NaN;
}

function checkOne(field: VitalField, value: number): VitalError | undefined {
  const r = VITAL_RULES[field];
  if (Number.isNaN(value)) return { code: 'vitals.error.notNumber' };
  if (value < r.min) return { code: 'vitals.error.tooLow', params: { min: r.min, unit: r.unit } };
  if (value > r.max) return { code: 'vitals.error.tooHigh', params: { max: r.max, unit: r.unit } };
  if (r.whole && !Number.isInteger(value)) return { code: 'vitals.error.wholeNumber' };
  return undefined;
}

function flagOf(field: VitalField, value: number): VitalFlag | undefined {
  const n = VITAL_RULES[field].normal;
  if (!n) return undefined;
  return value < n.low ? 'low' : value > n.high ? 'high' : undefined;
}

/** Blood pressure is one reading of two numbers: half of it, or systolic ≤ diastolic, is a slip. */
function checkPressure(c: VitalsCheck): void {
  const { systolic: s, diastolic: d } = c.values;
  if (s !== undefined && d === undefined && !c.errors.diastolic) c.errors.diastolic = { code: 'vitals.error.pairMissing' };
  if (d !== undefined && s === undefined && !c.errors.systolic) c.errors.systolic = { code: 'vitals.error.pairMissing' };
  if (s !== undefined && d !== undefined && s <= d) {
    c.errors.systolic = { code: 'vitals.error.systolicNotAbove', params: { systolic: s, diastolic: d } };
    // Which half was mistyped is unknown: neither travels as a value.
    delete c.values.diastolic;
  }
}

/** Parses and checks what was typed. Values with an error are left out of `values`. */
export function checkVitals(input: VitalsInput): VitalsCheck {
  const c: VitalsCheck = { values: {}, errors: {}, flags: {} };
  for (const f of VITAL_FIELDS) {
    const v = parseDecimal(input[f]);
    if (v === undefined) continue;
    const err = checkOne(f, v);
    if (err) c.errors[f] = err;
    else c.values[f] = v;
  }
  checkPressure(c);
  for (const f of VITAL_FIELDS) {
    const v = c.values[f];
    if (v === undefined) continue;
    if (c.errors[f]) delete c.values[f];
    else {
      const flag = flagOf(f, v);
      if (flag) c.flags[f] = flag;
    }
  }
  return c;
}

/** Only the vitals fields from a form body, as text. */
export function vitalsFromForm(body: Record<string, unknown>): VitalsInput {
  const out: VitalsInput = {};
  for (const f of VITAL_FIELDS) {
    const v = body[f];
    if (typeof v === 'string' && v.trim() !== '') out[f] = v.trim().slice(0, 20);
  }
  return out;
}

export function hasErrors(c: VitalsCheck): boolean {
  return Object.keys(c.errors).length > 0;
}

/** What travels in the case body: each value with its unit and flag, so the hub needs no rules of ours. */
export function vitalsForCase(c: VitalsCheck): Record<string, { value: number; unit: string; flag?: VitalFlag }> {
  const out: Record<string, { value: number; unit: string; flag?: VitalFlag }> = {};
  for (const f of VITAL_FIELDS) {
    const v = c.values[f];
    if (v === undefined) continue;
    const flag = c.flags[f];
    out[f] = flag ? { value: v, unit: VITAL_RULES[f].unit, flag } : { value: v, unit: VITAL_RULES[f].unit };
  }
  return out;
}
