/**
 * What the post measured and attached, as FHIR R4: vital signs as
 * Observations (the R4 vital-signs profiles), photos as Media, ECGs and any
 * other file as DocumentReference. Every file links to its URL under the case
 * at the hub (hub/cases/attachment-path.ts), which asks the case rule again.
 */
import { BLOOD_PRESSURE, ECG_DOCUMENT_TYPE, ECG_MEDIA_TYPE, IMAGE_TYPE, INTERPRETATION, SYSTEM, VITALS, VITAL_SIGNS_CATEGORY, profileUrl } from './fhir-codes.js';
import { num, obj, str, type Ctx, type Obj, type Ref } from './fhir-context.js';
import { attachmentPath } from '../cases/attachment-path.js';

type Vital = { value: number; unit?: string; flag?: 'low' | 'high' };
function vital(v: unknown): Vital | undefined {
  const o = obj(v);
  const value = num(o.value);
  if (value === undefined) return undefined;
  return { value, ...(o.flag === 'low' || o.flag === 'high' ? { flag: o.flag } : {}) };
}
const quantity = (value: number, unit: string, ucum: string) => ({ value, unit, system: SYSTEM.ucum, code: ucum });
const interpretation = (v: Vital) => (v.flag ? { interpretation: [{ coding: [INTERPRETATION[v.flag]] }] } : {});

/** One Observation per vital sign (blood pressure: one panel, two components), as the R4 vital-signs profiles ask. */
export function vitalSigns(ctx: Ctx, vitals: Obj, body: Obj): Ref[] {
  // Vitals were taken while the nurse built the case: between starting and sending it.
  const start = str(body.startedAt);
  const end = str(body.sentAt) ?? ctx.c.receivedAt;
  const effective = start ? { effectivePeriod: { start, end } } : { effectiveDateTime: end };
  const base = (profile: string, coding: unknown[]) => ({
    resourceType: 'Observation', meta: { profile: [profileUrl('vitalsigns'), profileUrl(profile)] }, status: 'final',
    category: [{ coding: [VITAL_SIGNS_CATEGORY] }], code: { coding }, subject: ctx.patient, encounter: ctx.encounter, ...effective,
  });
  const refs: Ref[] = [];
  const sys = vital(vitals.systolic);
  const dia = vital(vitals.diastolic);
  if (sys && dia) {
    const bp = BLOOD_PRESSURE;
    const component = (code: { code: string; display: string }, v: Vital) => ({
      code: { coding: [{ system: SYSTEM.loinc, ...code }] }, valueQuantity: quantity(v.value, bp.unit, bp.ucum), ...interpretation(v),
    });
    refs.push(ctx.add('vital:bp', { ...base(bp.profile, [{ system: SYSTEM.loinc, ...bp.panel }]), component: [component(bp.systolic, sys), component(bp.diastolic, dia)] }));
  }
  for (const [field, def] of Object.entries(VITALS)) {
    const v = vital(vitals[field]);
    if (!v) continue;
    const coding = def.loinc.map((l) => ({ system: SYSTEM.loinc, ...l }));
    refs.push(ctx.add(`vital:${field}`, { ...base(def.profile, coding), valueQuantity: quantity(v.value, def.unit, def.ucum), ...interpretation(v) }));
  }
  return refs;
}

/**
 * Attachment.hash is the SHA-1 of the data (R4 §2.24.0.10); the hub keeps a
 * SHA-256 and not the bytes' SHA-1, so the digest travels as an RFC 6920
 * "ni" URI (ni:///sha-256;<base64url>), an identifier any client can check.
 */
export const niUri = (sha256Hex: string): string => `ni:///sha-256;${Buffer.from(sha256Hex, 'hex').toString('base64url')}`;

/**
 * Photos → Media (R4: "a photo, video, or audio recording acquired or used in
 * healthcare"). Each ECG → DocumentReference: it is a file in our own
 * lossless format that no FHIR client can render, and Media.type only knows
 * image, video and audio; DocumentReference indexes any file by its type
 * (LOINC 11524-6 EKG study). Any other file is a DocumentReference too.
 */
export function attachments(ctx: Ctx): Ref[] {
  const { c } = ctx;
  const base = c.baseUrl.replace(/\/+$/, '');
  const sent = str(obj(c.body).sentAt) ?? c.receivedAt;
  return c.attachments.map((a) => {
    const content = { contentType: a.mediaType, url: `${base}${attachmentPath(c, a.name)}`, size: a.size, title: a.name };
    const hashId = { system: SYSTEM.uri, value: niUri(a.sha256) };
    if (a.mediaType.startsWith('image/')) {
      return ctx.add(`media:${a.sha256}:${a.name}`, {
        resourceType: 'Media', identifier: [hashId], status: 'completed', type: { coding: [IMAGE_TYPE] },
        subject: ctx.patient, encounter: ctx.encounter, content,
      });
    }
    const ecg = a.mediaType === ECG_MEDIA_TYPE;
    return ctx.add(`doc:${a.sha256}:${a.name}`, {
      resourceType: 'DocumentReference', masterIdentifier: hashId, status: 'current',
      ...(ecg ? { type: { coding: [ECG_DOCUMENT_TYPE], text: 'ECG' } } : {}),
      subject: ctx.patient, date: sent, content: [{ attachment: content }], context: { encounter: [ctx.encounter] },
    });
  });
}
