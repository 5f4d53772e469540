/**
 * A case received at the hub, with its thread, as a FHIR R4 Bundle (pure).
 *
 * Bundle.type is 'collection', not 'document': a FHIR document (R4 §3.3) is
 * a Composition attested by its author and frozen once issued, while this is
 * a snapshot the hub assembles of a case whose thread keeps growing
 * (questions and replies arrive later); nobody authors or signs it as one.
 *
 * Every entry has a urn:uuid fullUrl derived from (post, case, role) by
 * RFC 4122 §4.3 (name-based, SHA-1), so exporting the same case twice gives
 * the same ids and references, which resolve inside the Bundle.
 */
import { attachments, vitalSigns } from './case-evidence.js';
import { threadResources } from './case-thread.js';
import {
  CHASQUI_NS, DOC_SYSTEM, DOC_TYPE, ENCOUNTER_PRIORITY, ESTIMATED_AGE_URL, GENDER, REQUEST_PRIORITY, SPECIALTY, SYSTEM, TELECONSULT,
  VIRTUAL_CLASS,
} from './fhir-codes.js';
import { nameUuid, num, obj, str, type CaseForFhir, type Ctx, type FhirResource, type Obj, type Ref } from './fhir-context.js';

export type { CaseForFhir } from './fhir-context.js';
export { niUri } from './case-evidence.js';

export const FHIR_JSON = 'application/fhir+json; fhirVersion=4.0';

export function fhirBundle(c: CaseForFhir): FhirResource {
  const entries: Ctx['entries'] = [];
  const url = (role: string) => `urn:uuid:${nameUuid(`${c.postId}\u0000${c.caseId}\u0000${role}`)}`;
  const ref = (role: string, display?: string): Ref => (display ? { reference: url(role), display } : { reference: url(role) });
  const add = (role: string, resource: FhirResource): Ref => {
    entries.push({ fullUrl: url(role), resource });
    return ref(role);
  };
  const ctx: Ctx = {
    c, ref, entries, add, patient: ref('patient'), encounter: ref('encounter'), post: ref('post'),
    person: (role, name, username, specialty) => practitioner(ctx, role, name, username, specialty),
  };
  const body = obj(c.body);
  add('post', { resourceType: 'Organization', identifier: [{ system: `${CHASQUI_NS}/sid/post`, value: c.postId }], name: c.postId });
  add('patient', patient(c, obj(body.patient)));
  const nurse = nurseRef(ctx, obj(body.nurse));
  const thread = threadResources(ctx);
  add('encounter', encounter(ctx, body, nurse, thread.answeredAt));
  const support = [...vitalSigns(ctx, obj(body.vitals), body), ...attachments(ctx)];
  add('request', serviceRequest(ctx, body, nurse, support, thread.answeredAt !== undefined));
  thread.build();
  return {
    resourceType: 'Bundle',
    identifier: { system: `${CHASQUI_NS}/sid/case`, value: `${c.postId}/${c.caseId}` },
    type: 'collection',
    timestamp: c.exportedAt ?? c.receivedAt,
    entry: entries,
  };
}

/** The body the route sends (Content-Type: FHIR_JSON). */
export function fhirBundleJson(c: CaseForFhir): string {
  return JSON.stringify(fhirBundle(c), null, 2);
}

function patient(c: CaseForFhir, p: Obj): FhirResource {
  const identifier: unknown[] = [];
  const localId = str(p.id);
  if (localId) identifier.push({ system: `${CHASQUI_NS}/sid/post/${c.postId}/patient`, value: localId });
  const doc = obj(p.document);
  const kind = str(doc.kind);
  const number = str(doc.number);
  if (kind && number) {
    const type = DOC_TYPE[kind];
    const system = kind === 'DNI' || kind === 'CE' ? DOC_SYSTEM[kind] : `${CHASQUI_NS}/sid/post/${c.postId}/document`;
    identifier.push({
      use: 'official', system, value: number,
      ...(type ? { type: { coding: [{ system: SYSTEM.v2IdentifierType, code: type.code, display: type.display }], text: type.text } } : {}),
    });
  }
  const names = str(p.names);
  const surnames = str(p.surnames);
  const community = str(p.community);
  const gender = GENDER[String(p.sex)];
  const birthDate = str(p.birthDate);
  const age = num(p.ageYears);
  return {
    resourceType: 'Patient',
    // Only an estimated age is known: no invented birthDate, the estimate in an extension.
    ...(!birthDate && age !== undefined
      ? { extension: [{ url: ESTIMATED_AGE_URL, valueAge: { value: age, unit: 'years', system: SYSTEM.ucum, code: 'a' } }] }
      : {}),
    ...(identifier.length ? { identifier } : {}),
    ...(names || surnames
      ? { name: [{ use: 'official', text: [names, surnames].filter(Boolean).join(' '), ...(surnames ? { family: surnames } : {}), ...(names ? { given: names.split(/\s+/) } : {}) }] }
      : {}),
    gender: gender ?? 'unknown',
    ...(birthDate ? { birthDate } : {}),
    ...(community ? { address: [{ use: 'home', text: `${community}, Perú`, city: community, country: 'PE' }] } : {}),
  };
}

function nurseRef(ctx: Ctx, n: Obj): Ref | undefined {
  const username = str(n.username);
  return username ? ctx.person(`nurse:${username}`, str(n.name) ?? username, username) : undefined;
}

function practitioner(ctx: Ctx, role: string, name: string, username?: string, specialty?: string): Ref {
  const ref = ctx.ref(role, name);
  if (ctx.entries.some((e) => e.fullUrl === ref.reference)) return ref;
  const code = specialty ? SPECIALTY[specialty] : undefined;
  ctx.add(role, {
    resourceType: 'Practitioner',
    ...(username ? { identifier: [{ system: `${CHASQUI_NS}/sid/post/${ctx.c.postId}/nurse`, value: username }] } : {}),
    name: [{ text: name }],
    ...(specialty
      ? { qualification: [{ code: code ? { coding: [{ system: SYSTEM.snomed, ...code }], text: specialty } : { text: specialty } }] }
      : {}),
  });
  return ref;
}

function encounter(ctx: Ctx, body: Obj, nurse: Ref | undefined, answeredAt: string | undefined): FhirResource {
  const { c } = ctx;
  const start = str(body.startedAt) ?? str(body.sentAt) ?? c.receivedAt;
  const reason = str(body.reason);
  return {
    resourceType: 'Encounter',
    identifier: [{ system: `${CHASQUI_NS}/sid/case`, value: `${c.postId}/${c.caseId}` }],
    // The teleconsultation lasts until the specialist answers.
    status: answeredAt ? 'finished' : 'in-progress',
    class: VIRTUAL_CLASS,
    type: [{ coding: [TELECONSULT] }],
    priority: { coding: [c.priority === 'urgent' ? ENCOUNTER_PRIORITY.urgent : ENCOUNTER_PRIORITY.routine] },
    subject: ctx.patient,
    ...(nurse ? { participant: [{ individual: nurse }] } : {}),
    period: answeredAt ? { start, end: answeredAt } : { start },
    ...(reason ? { reasonCode: [{ text: reason }] } : {}),
    serviceProvider: ctx.post,
  };
}

function serviceRequest(ctx: Ctx, body: Obj, nurse: Ref | undefined, support: Ref[], answered: boolean): FhirResource {
  const { c } = ctx;
  const specialty = str(body.specialty);
  const code = specialty ? SPECIALTY[specialty] : undefined;
  const reason = str(body.reason);
  const history = str(body.history);
  return {
    resourceType: 'ServiceRequest',
    identifier: [{ system: `${CHASQUI_NS}/sid/case`, value: `${c.postId}/${c.caseId}` }],
    status: answered ? 'completed' : 'active',
    intent: 'order',
    priority: REQUEST_PRIORITY[c.priority] ?? 'routine',
    code: { coding: [TELECONSULT] },
    subject: ctx.patient,
    encounter: ctx.encounter,
    authoredOn: str(body.sentAt) ?? c.receivedAt,
    ...(nurse ? { requester: nurse } : {}),
    ...(specialty ? { performerType: code ? { coding: [{ system: SYSTEM.snomed, ...code }], text: specialty } : { text: specialty } } : {}),
    ...(reason ? { reasonCode: [{ text: reason }] } : {}),
    ...(support.length ? { supportingInfo: support } : {}),
    ...(history ? { note: [{ text: history }] } : {}),
  };
}
