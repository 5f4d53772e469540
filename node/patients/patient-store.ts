/**
 * The post's patients (SQLite). A patient is found again by a fragment of
 * a name typed without accents ("maria" finds "María") or by a document
 * number, so each row keeps a folded search key beside what was typed.
 * Rural patients often do not know their birth date: an estimated age in
 * years is kept instead, with the date it was estimated so it ages.
 * Validation returns field errors as i18n keys (`patients.error.*`).
 */
import { randomUUID } from 'node:crypto';
import { fromStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';

export const DOC_KINDS = ['DNI', 'CE', 'local'] as const;
export type DocKind = (typeof DOC_KINDS)[number];
export const SEXES = ['F', 'M', 'other'] as const;
export type Sex = (typeof SEXES)[number];

export interface PatientInput {
  names: string;
  surnames: string;
  docKind: DocKind;
  docNumber: string;
  /** YYYY-MM-DD, or null when only an estimated age is known. */
  birthDate: string | null;
  estimatedAgeYears: number | null;
  sex: Sex;
  /** Comunidad or centro poblado. */
  community: string;
  phone: string | null;
}

export interface Patient extends PatientInput {
  id: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

export type FieldErrors = Partial<Record<keyof PatientInput, string>>;
export type Validated = { ok: true; value: PatientInput } | { ok: false; errors: FieldErrors };

// DNI: 8 digits (RENIEC). Carné de extranjería: up to 12 characters (Migraciones). A post's own id: its choice.
const DOC_PATTERN: Record<DocKind, RegExp> = { DNI: /^\d{8}$/, CE: /^[A-Z0-9]{6,12}$/, local: /^[A-Z0-9][A-Z0-9-]{0,19}$/ };
const MAX_AGE = 130;

/** Lower case, accents and ñ folded away, spaces squeezed: the form both sides of a search are compared in. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

function text(v: unknown, max: number): string {
  return typeof v === 'string' ? v.trim().replace(/\s+/g, ' ').slice(0, max) : '';
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === v);
}

function checkBirth(raw: Record<string, unknown>, now: Date, errors: FieldErrors): Pick<PatientInput, 'birthDate' | 'estimatedAgeYears'> {
  const birth = text(raw.birthDate, 10);
  const age = text(raw.estimatedAgeYears, 3);
  if (birth) {
    const d = new Date(`${birth}T00:00:00Z`);
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(birth) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(birth);
    if (!ok) errors.birthDate = 'patients.error.birthDate';
    else if (d.getTime() > now.getTime()) errors.birthDate = 'patients.error.birthFuture';
    else if (now.getUTCFullYear() - d.getUTCFullYear() > MAX_AGE) errors.birthDate = 'patients.error.birthDate';
    return { birthDate: birth, estimatedAgeYears: null };
  }
  if (age) {
    if (!/^\d{1,3}$/.test(age) || Number(age) > MAX_AGE) errors.estimatedAgeYears = 'patients.error.age';
    return { birthDate: null, estimatedAgeYears: Number(age) };
  }
  errors.birthDate = 'patients.error.birthOrAge';
  return { birthDate: null, estimatedAgeYears: null };
}

/** Checks a form body; on errors nothing is stored and the form is shown again with what was typed. */
export function validatePatient(raw: Record<string, unknown>, now: Date): Validated {
  const errors: FieldErrors = {};
  const names = text(raw.names, 80);
  const surnames = text(raw.surnames, 80);
  if (!names) errors.names = 'patients.error.required';
  if (!surnames) errors.surnames = 'patients.error.required';
  const docKind = oneOf(raw.docKind, DOC_KINDS);
  if (!docKind) errors.docKind = 'patients.error.required';
  const docNumber = text(raw.docNumber, 20).replace(/\s/g, '').toUpperCase();
  if (!docNumber) errors.docNumber = 'patients.error.required';
  else if (docKind && !DOC_PATTERN[docKind].test(docNumber)) errors.docNumber = `patients.error.doc${docKind}`;
  const birth = checkBirth(raw, now, errors);
  const sex = oneOf(raw.sex, SEXES);
  if (!sex) errors.sex = 'patients.error.required';
  const community = text(raw.community, 100);
  if (!community) errors.community = 'patients.error.required';
  const phone = text(raw.phone, 20);
  if (phone && !/^\+?[\d -]{6,18}$/.test(phone)) errors.phone = 'patients.error.phone';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { names, surnames, docKind: docKind!, docNumber, ...birth, sex: sex!, community, phone: phone || null } };
}

/** Age in whole years today: from the birth date, or the estimate plus the years since it was made. */
export function ageYears(p: Pick<Patient, 'birthDate' | 'estimatedAgeYears' | 'updatedAt'>, now: Date): number | null {
  const from = p.birthDate ? new Date(`${p.birthDate}T00:00:00Z`) : p.estimatedAgeYears !== null ? new Date(p.updatedAt) : null;
  if (!from) return null;
  let years = now.getUTCFullYear() - from.getUTCFullYear();
  const md = (d: Date): number => d.getUTCMonth() * 100 + d.getUTCDate();
  if (md(now) < md(from)) years--;
  return Math.max(0, years) + (p.birthDate ? 0 : p.estimatedAgeYears!);
}

const MIGRATIONS = [
  `CREATE TABLE patients (
     id TEXT PRIMARY KEY, names TEXT NOT NULL, surnames TEXT NOT NULL, doc_kind TEXT NOT NULL, doc_number TEXT NOT NULL,
     birth_date TEXT, estimated_age INTEGER, sex TEXT NOT NULL, community TEXT NOT NULL, phone TEXT,
     search_key TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
     UNIQUE (doc_kind, doc_number));
   CREATE INDEX patients_recent ON patients (updated_at DESC);`,
];

type Row = {
  id: string; names: string; surnames: string; doc_kind: DocKind; doc_number: string; birth_date: string | null;
  estimated_age: number | null; sex: Sex; community: string; phone: string | null; search_key: string;
  created_by: string; created_at: string; updated_by: string; updated_at: string;
};

function toPatient(r: Row): Patient {
  return {
    id: r.id, names: r.names, surnames: r.surnames, docKind: r.doc_kind, docNumber: r.doc_number, birthDate: r.birth_date,
    estimatedAgeYears: r.estimated_age, sex: r.sex, community: r.community, phone: r.phone,
    createdBy: r.created_by, createdAt: r.created_at, updatedBy: r.updated_by, updatedAt: r.updated_at,
  };
}

function params(p: PatientInput, id: string, by: string, at: string) {
  return {
    id, names: p.names, surnames: p.surnames, doc_kind: p.docKind, doc_number: p.docNumber, birth_date: p.birthDate,
    estimated_age: p.estimatedAgeYears, sex: p.sex, community: p.community, phone: p.phone,
    search_key: foldText(`${p.names} ${p.surnames} ${p.docNumber} ${p.community}`), by, at,
  };
}

export type SaveResult = { ok: true; patient: Patient } | { ok: false; errors: FieldErrors };

export class PatientStore {
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'post-patients', MIGRATIONS);
    this.q = {
      insert: db.prepare(`INSERT INTO patients VALUES (@id, @names, @surnames, @doc_kind, @doc_number, @birth_date, @estimated_age,
        @sex, @community, @phone, @search_key, @by, @at, @by, @at)`),
      update: db.prepare(`UPDATE patients SET names = @names, surnames = @surnames, doc_kind = @doc_kind, doc_number = @doc_number,
        birth_date = @birth_date, estimated_age = @estimated_age, sex = @sex, community = @community, phone = @phone,
        search_key = @search_key, updated_by = @by, updated_at = @at WHERE id = @id`),
      get: db.prepare<[string], Row>('SELECT * FROM patients WHERE id = ?'),
      byDoc: db.prepare<[string, string], Row>('SELECT * FROM patients WHERE doc_kind = ? AND doc_number = ?'),
      recent: db.prepare<[number], Row>('SELECT * FROM patients ORDER BY updated_at DESC, rowid DESC LIMIT ?'),
    };
  }

  create(input: PatientInput, by: string, now: Date): SaveResult {
    const taken = this.docTaken(input, undefined);
    if (taken) return taken;
    const id = randomUUID();
    this.run(() => this.q.insert.run(params(input, id, by, now.toISOString())));
    return { ok: true, patient: this.get(id)! };
  }

  update(id: string, input: PatientInput, by: string, now: Date): SaveResult | undefined {
    if (!this.get(id)) return undefined;
    const taken = this.docTaken(input, id);
    if (taken) return taken;
    this.run(() => this.q.update.run(params(input, id, by, now.toISOString())));
    return { ok: true, patient: this.get(id)! };
  }

  get(id: string): Patient | undefined {
    const r = this.q.get.get(id);
    return r && toPatient(r);
  }

  recent(limit = 20): Patient[] {
    return this.q.recent.all(limit).map(toPatient);
  }

  /** Every word of the query must appear in the name, surnames, document number or community, accents aside. */
  search(query: string, limit = 50): Patient[] {
    const words = foldText(query).split(' ').filter(Boolean).slice(0, 6);
    if (words.length === 0) return [];
    const where = words.map(() => `search_key LIKE ? ESCAPE '\\'`).join(' AND ');
    const likes = words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return this.db.prepare<unknown[], Row>(`SELECT * FROM patients WHERE ${where} ORDER BY surnames, names LIMIT ?`)
      .all(...likes, limit).map(toPatient);
  }

  private docTaken(input: PatientInput, selfId: string | undefined): SaveResult | undefined {
    const other = this.q.byDoc.get(input.docKind, input.docNumber);
    return other && other.id !== selfId ? { ok: false, errors: { docNumber: 'patients.error.docTaken' } } : undefined;
  }

  private run(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw fromStoreError(err);
    }
  }
}
