/**
 * SCP-ECG Section 1, "header information – patient data / ECG acquisition
 * data" (EN 1064:2005): a list of tagged fields, each u8 tag, u16 length,
 * value; tag 255 ends the list. Only the fields Chasqui shows are kept.
 * This metadata is a convenience, so a field that runs past the section
 * ends the list instead of refusing the ECG (the section CRC has already
 * proved the bytes are what the cardiograph wrote).
 */

export interface ScpPatient {
  patientId?: string;
  lastName?: string;
  firstName?: string;
  /** Tag 5, YYYY-MM-DD. */
  birthDate?: string;
  /** Tag 4: value and unit as the cardiograph stored them. */
  age?: { value: number; unit: 'unspecified' | 'years' | 'months' | 'weeks' | 'days' | 'hours' };
  /** Tag 8: 0 not known, 1 male, 2 female, 9 unspecified. */
  sex?: 'unknown' | 'male' | 'female' | 'unspecified';
}

export interface ScpAcquisition {
  /** Tags 25 + 26 as an ISO 8601 local date-time (SCP stores no zone unless tag 34 is present). */
  startedAt?: string;
  /** Tag 14, model description (bytes 9–14 of the acquiring device field). */
  deviceModel?: string;
  /** Tag 14 byte 15: SCP protocol revision × 10 (10 = 1.0, 20 = 2.0, 30 = 3.0). */
  protocolRevision?: number;
}

const AGE_UNITS = ['unspecified', 'years', 'months', 'weeks', 'days', 'hours'] as const;
const SEXES: Record<number, ScpPatient['sex']> = { 0: 'unknown', 1: 'male', 2: 'female', 9: 'unspecified' };

/** Section 1 text is NUL-terminated; latin1 never fails to decode. */
function text(v: Uint8Array): string | undefined {
  const end = v.indexOf(0);
  const s = Buffer.from(v.subarray(0, end < 0 ? v.length : end)).toString('latin1').trim();
  return s === '' ? undefined : s;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function date(v: Uint8Array): string | undefined {
  if (v.length < 4) return undefined;
  const year = (v[0] ?? 0) | ((v[1] ?? 0) << 8);
  const month = v[2] ?? 0;
  const day = v[3] ?? 0;
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

function tags(data: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let at = 0; at + 3 <= data.length; ) {
    const tag = data[at] ?? 255;
    const length = (data[at + 1] ?? 0) | ((data[at + 2] ?? 0) << 8);
    if (tag === 255 || at + 3 + length > data.length) break;
    // A tag may repeat (e.g. several drugs); the first one is kept.
    if (!out.has(tag)) out.set(tag, data.subarray(at + 3, at + 3 + length));
    at += 3 + length;
  }
  return out;
}

export function parseSection1(data: Uint8Array): { patient: ScpPatient; acquisition: ScpAcquisition } {
  const t = tags(data);
  const patient: ScpPatient = {};
  const acquisition: ScpAcquisition = {};
  const str = (tag: number): string | undefined => {
    const v = t.get(tag);
    return v ? text(v) : undefined;
  };
  const lastName = str(0);
  const firstName = str(1);
  const patientId = str(2);
  if (lastName !== undefined) patient.lastName = lastName;
  if (firstName !== undefined) patient.firstName = firstName;
  if (patientId !== undefined) patient.patientId = patientId;
  const age = t.get(4);
  if (age && age.length >= 3) {
    patient.age = { value: (age[0] ?? 0) | ((age[1] ?? 0) << 8), unit: AGE_UNITS[age[2] ?? 0] ?? 'unspecified' };
  }
  const dob = date(t.get(5) ?? new Uint8Array());
  if (dob) patient.birthDate = dob;
  const sex = t.get(8)?.[0];
  if (sex !== undefined && SEXES[sex]) patient.sex = SEXES[sex];

  const day = date(t.get(25) ?? new Uint8Array());
  const time = t.get(26);
  if (day) {
    const ok = time && time.length >= 3 && (time[0] ?? 99) < 24 && (time[1] ?? 99) < 60 && (time[2] ?? 99) < 60;
    acquisition.startedAt = ok ? `${day}T${pad(time[0] ?? 0)}:${pad(time[1] ?? 0)}:${pad(time[2] ?? 0)}` : day;
  }
  const device = t.get(14);
  if (device && device.length >= 15) {
    const model = text(device.subarray(8, 14));
    if (model !== undefined) acquisition.deviceModel = model;
    acquisition.protocolRevision = device[14] ?? 0;
  }
  return { patient, acquisition };
}
