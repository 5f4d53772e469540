/**
 * A case while the nurse builds it (SQLite), then sends it. The draft's id is
 * the future case id, so sending is idempotent end to end: a double click or
 * a request retried after a lost response finds the draft already sent, and
 * even a crash between queueing and marking cannot make a second case,
 * because CaseService.submit returns the case already queued under that id.
 * Vitals are kept as typed, so a half-finished form is never lost; they are
 * checked on every save and must be clean to send.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError, fromStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import type { AttachmentInput } from '../../protocol/bundle.js';
import type { Nurse } from '../auth/nurse.js';
import { ECG_MEDIA_TYPE, type EcgRecordingStore } from '../ecg/ecg-recordings.js';
import { ageYears, type PatientStore } from '../patients/patient-store.js';
import type { CaseService, CaseView } from './case-service.js';
import { checkVitals, hasErrors, vitalsForCase, type VitalsInput } from './vitals.js';

export const SPECIALTIES = ['cardiology', 'dermatology', 'internalMedicine', 'paediatrics', 'obstetrics'] as const;
export type Specialty = (typeof SPECIALTIES)[number];

export interface DraftFields {
  reason: string;
  history: string;
  priority: 'urgent' | 'routine';
  /** null: the hub's routing chooses. */
  specialty: Specialty | null;
  vitals: VitalsInput;
}

export interface CaseDraft extends DraftFields {
  id: string;
  patientId: string;
  photoIds: string[];
  ecgIds: string[];
  state: 'draft' | 'sent';
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

/** What a draft needs of the photo store (node/photos/photo-store.ts). */
export interface PhotoSource {
  get(id: string): { name: string } | undefined;
  jpeg(id: string): Buffer | undefined;
}

const MIGRATIONS = [
  `CREATE TABLE case_drafts (
     id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, reason TEXT NOT NULL, history TEXT NOT NULL, priority TEXT NOT NULL,
     specialty TEXT, vitals TEXT NOT NULL, photo_ids TEXT NOT NULL, ecg_ids TEXT NOT NULL, state TEXT NOT NULL,
     created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT);
   CREATE INDEX case_drafts_patient ON case_drafts (patient_id, created_at DESC);`,
];

type Row = {
  id: string; patient_id: string; reason: string; history: string; priority: 'urgent' | 'routine'; specialty: Specialty | null;
  vitals: string; photo_ids: string; ecg_ids: string; state: 'draft' | 'sent'; created_by: string; created_at: string;
  updated_at: string; sent_at: string | null;
};

function toDraft(r: Row): CaseDraft {
  return {
    id: r.id, patientId: r.patient_id, reason: r.reason, history: r.history, priority: r.priority, specialty: r.specialty,
    vitals: JSON.parse(r.vitals) as VitalsInput, photoIds: JSON.parse(r.photo_ids) as string[], ecgIds: JSON.parse(r.ecg_ids) as string[],
    state: r.state, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, sentAt: r.sent_at,
  };
}

/** Also run on clinical.sqlite's own connection before it is attached (node/vault/clinical-database.ts). */
export function migrateCaseDrafts(db: Db): void {
  migrate(db, 'post-case-drafts', MIGRATIONS);
}

export type DraftDeps = { db: Db; patients: PatientStore; photos: PhotoSource; recordings: EcgRecordingStore; cases: CaseService; clock: Clock };

export class CaseDrafts {
  private readonly q;

  constructor(private readonly d: DraftDeps) {
    migrateCaseDrafts(d.db);
    this.q = {
      insert: d.db.prepare(`INSERT INTO case_drafts VALUES (@id, @patient_id, '', '', 'routine', NULL, '{}', '[]', '[]', 'draft', @by, @at, @at, NULL)`),
      save: d.db.prepare(`UPDATE case_drafts SET reason = @reason, history = @history, priority = @priority, specialty = @specialty,
        vitals = @vitals, updated_at = @at WHERE id = @id AND state = 'draft'`),
      lists: d.db.prepare(`UPDATE case_drafts SET photo_ids = @photo_ids, ecg_ids = @ecg_ids, updated_at = @at WHERE id = @id AND state = 'draft'`),
      sent: d.db.prepare(`UPDATE case_drafts SET state = 'sent', sent_at = @at, updated_at = @at WHERE id = @id AND state = 'draft'`),
      get: d.db.prepare<[string], Row>('SELECT * FROM case_drafts WHERE id = ?'),
      byPatient: d.db.prepare<[string], Row>('SELECT * FROM case_drafts WHERE patient_id = ? ORDER BY created_at DESC'),
      list: d.db.prepare<[number], Row>('SELECT * FROM case_drafts ORDER BY created_at DESC LIMIT ?'),
    };
  }

  create(patientId: string, nurse: Nurse): CaseDraft {
    if (!this.d.patients.get(patientId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `patient ${patientId}`);
    const id = randomUUID();
    this.run(() => this.q.insert.run({ id, patient_id: patientId, by: nurse.username, at: this.nowIso() }));
    return this.get(id)!;
  }

  get(id: string): CaseDraft | undefined {
    const r = this.q.get.get(id);
    return r && toDraft(r);
  }

  forPatient(patientId: string): CaseDraft[] {
    return this.q.byPatient.all(patientId).map(toDraft);
  }

  list(limit = 200): CaseDraft[] {
    return this.q.list.all(limit).map(toDraft);
  }

  /** Saves the form as typed. False when the draft is gone or already sent (a sent case never changes). */
  save(id: string, f: DraftFields): boolean {
    const res = this.run(() => this.q.save.run({
      id, reason: f.reason, history: f.history, priority: f.priority, specialty: f.specialty, vitals: JSON.stringify(f.vitals), at: this.nowIso(),
    }));
    return res.changes === 1;
  }

  addPhoto(id: string, photoId: string): boolean {
    return this.editLists(id, (d) => ({ photoIds: d.photoIds.includes(photoId) ? d.photoIds : [...d.photoIds, photoId] }));
  }

  removePhoto(id: string, photoId: string): boolean {
    return this.editLists(id, (d) => ({ photoIds: d.photoIds.filter((p) => p !== photoId) }));
  }

  addEcg(id: string, recordingId: string): boolean {
    if (!this.d.recordings.get(recordingId)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG recording ${recordingId}`);
    return this.editLists(id, (d) => ({ ecgIds: d.ecgIds.includes(recordingId) ? d.ecgIds : [...d.ecgIds, recordingId] }));
  }

  removeEcg(id: string, recordingId: string): boolean {
    return this.editLists(id, (d) => ({ ecgIds: d.ecgIds.filter((e) => e !== recordingId) }));
  }

  /**
   * Queues the case and marks the draft sent in one transaction. Sending a
   * sent draft again returns the case already queued. Refuses (BAD_REQUEST
   * with details.reason, an i18n key) a draft without a reason, a patient,
   * or with impossible vitals.
   */
  send(id: string, nurse: Nurse): { view: CaseView; created: boolean } {
    const draft = this.get(id);
    if (!draft) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case draft ${id}`);
    const existing = this.d.cases.get(id);
    if (draft.state === 'sent' && existing) return { view: existing, created: false };
    const { body, attachments } = this.build(draft, nurse);
    try {
      return this.d.db.transaction(() => {
        const res = this.d.cases.submit({ caseId: id, priority: draft.priority, body, attachments });
        this.q.sent.run({ id, at: this.nowIso() });
        return res;
      })();
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  private build(draft: CaseDraft, nurse: Nurse): { body: Record<string, unknown>; attachments: AttachmentInput[] } {
    const refuse = (reason: string): never => {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `case ${draft.id}: ${reason}`, { reason });
    };
    const patient = this.d.patients.get(draft.patientId) ?? refuse('cases.error.noPatient');
    if (!draft.reason.trim()) refuse('cases.error.noReason');
    const vitals = checkVitals(draft.vitals);
    if (hasErrors(vitals)) refuse('cases.error.badVitals');
    const now = new Date(this.d.clock.now());
    const body = {
      // Only what a specialist needs to answer (Law 29733, data minimisation): no phone number.
      patient: {
        id: patient.id, names: patient.names, surnames: patient.surnames, document: { kind: patient.docKind, number: patient.docNumber },
        birthDate: patient.birthDate, ageYears: ageYears(patient, now), ageEstimated: patient.birthDate === null,
        sex: patient.sex, community: patient.community,
      },
      reason: draft.reason, history: draft.history, specialty: draft.specialty, vitals: vitalsForCase(vitals),
      nurse: { username: nurse.username, name: nurse.displayName },
      startedAt: draft.createdAt, sentAt: now.toISOString(),
    };
    return { body, attachments: [...this.photoAttachments(draft, refuse), ...this.ecgAttachments(draft, refuse)] };
  }

  private photoAttachments(draft: CaseDraft, refuse: (r: string) => never): AttachmentInput[] {
    const used = new Set<string>();
    return draft.photoIds.map((pid) => {
      const meta = this.d.photos.get(pid);
      const bytes = this.d.photos.jpeg(pid);
      if (!meta || !bytes) return refuse('cases.error.photoMissing');
      return { name: uniqueName(jpegName(meta.name), used), mediaType: 'image/jpeg', bytes };
    });
  }

  private ecgAttachments(draft: CaseDraft, refuse: (r: string) => never): AttachmentInput[] {
    return draft.ecgIds.map((rid) => {
      const bytes = this.d.recordings.bytes(rid) ?? refuse('cases.error.ecgMissing');
      // Same name as the JSON API gives an attached recording (node/http/cases-api.ts).
      return { name: `ecg-${rid}.cqe`, mediaType: ECG_MEDIA_TYPE, bytes };
    });
  }

  private editLists(id: string, change: (d: CaseDraft) => Partial<Pick<CaseDraft, 'photoIds' | 'ecgIds'>>): boolean {
    const d = this.get(id);
    if (!d || d.state !== 'draft') return false;
    const next = { ...d, ...change(d) };
    const res = this.run(() => this.q.lists.run({ id, photo_ids: JSON.stringify(next.photoIds), ecg_ids: JSON.stringify(next.ecgIds), at: this.nowIso() }));
    return res.changes === 1;
  }

  private nowIso(): string {
    return new Date(this.d.clock.now()).toISOString();
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw fromStoreError(err);
    }
  }
}

/** The photo is re-encoded as JPEG whatever it came as; its name should say so. */
function jpegName(name: string): string {
  const base = name.replace(/[\\/]/g, '_').replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'foto';
  return `${base}.jpg`;
}

/** Two photos both called IMG_0001.jpg (two phones) must still be two attachments. */
function uniqueName(name: string, used: Set<string>): string {
  let out = name;
  for (let i = 2; used.has(out); i++) out = name.replace(/\.jpg$/, `-${i}.jpg`);
  used.add(out);
  return out;
}
