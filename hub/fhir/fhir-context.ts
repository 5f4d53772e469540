/**
 * What the FHIR export's builders share (case-bundle.ts, case-evidence.ts,
 * case-thread.ts): the case as given, how entries are named and referenced,
 * and careful reading of the body the post sent.
 */
import { createHash } from 'node:crypto';
import type { HubCase } from '../cases/case-store.js';
import type { ThreadMessage } from '../cases/case-threads.js';

export type FhirResource = { resourceType: string; [k: string]: unknown };
export type Ref = { reference: string; display?: string };

export type CaseForFhir = Pick<HubCase, 'postId' | 'caseId' | 'receivedAt' | 'priority' | 'body' | 'attachments'> & {
  thread: ThreadMessage[];
  /** The hub's public URL; attachments link to `<baseUrl>/api/posts/<post>/cases/<case>/attachments/<name>`. */
  baseUrl: string;
  /** Bundle.timestamp: when the export was made (defaults to receivedAt). */
  exportedAt?: string;
};

export type Ctx = {
  c: CaseForFhir;
  /** A reference to the entry playing `role` ('patient', 'vital:pulse', …), whether or not it exists yet. */
  ref: (role: string, display?: string) => Ref;
  entries: Array<{ fullUrl: string; resource: FhirResource }>;
  add: (role: string, resource: FhirResource) => Ref;
  patient: Ref;
  encounter: Ref;
  post: Ref;
  /** The Practitioner for a person, added once however many messages they wrote. */
  person: (role: string, name: string, username?: string, specialty?: string) => Ref;
};

// The hub stores the body as the post sent it, unchecked: every field is read with care.
export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Our UUID namespace for FHIR entry ids (fixed once, random). */
const NAMESPACE = Buffer.from('6f1c2b7e94d34c0fa7b2d5e8c1a39f40', 'hex');

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1 of namespace and name). */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
