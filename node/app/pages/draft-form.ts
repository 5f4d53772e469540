/**
 * The draft's typed fields as they arrive with any submit of its page. Every
 * button on a draft page (save, send, upload a photo or an ECG, attach a
 * recording, remove one, go record one) belongs to the draft's form, so
 * what the nurse typed travels with it and is saved before the action runs.
 */
import { SPECIALTIES, type CaseDrafts, type DraftFields } from '../../cases/case-drafts.js';
import { vitalsFromForm } from '../../cases/vitals.js';

export function draftFields(body: Record<string, unknown>): DraftFields {
  const s = (k: string, max: number): string => (typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, max) : '');
  const specialty = SPECIALTIES.find((x) => x === body.specialty) ?? null;
  return { reason: s('reason', 2000), history: s('history', 8000), priority: body.priority === 'urgent' ? 'urgent' : 'routine', specialty, vitals: vitalsFromForm(body) };
}

/**
 * Saves the fields if the body carries the draft's form (its reason box is
 * always sent, even empty); a bare POST (a script, an old page) leaves the
 * draft as it was rather than blanking it.
 */
export function saveTyped(drafts: CaseDrafts, id: string, body: Record<string, unknown>): boolean {
  return typeof body.reason === 'string' && drafts.save(id, draftFields(body));
}
