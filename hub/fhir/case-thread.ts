/**
 * The case's thread (protocol/case-messages.ts) as FHIR R4 resources:
 *
 * - An answer is a ClinicalImpression ("a record of a clinical assessment
 *   performed to determine what problem(s) may affect the patient", R4), not
 *   a Communication: its diagnoses become Condition resources (ICD-10) that a
 *   record system can file, instead of text inside a message payload.
 * - A question to the post and the nurse's reply are Communications, which is
 *   what they are: messages, with when they were sent and received.
 */
import { checkCaseReply, checkCounterReference, diagnosisLabel, type CounterReference, type Diagnosis } from '../../protocol/case-messages.js';
import { whoCode } from '../terminology/cie10.js';
import type { ThreadMessage } from '../cases/case-threads.js';
import type { Ctx, FhirResource, Ref } from './fhir-context.js';
import { CHASQUI_NS, CONDITION, SYSTEM } from './fhir-codes.js';

const messageId = (m: ThreadMessage) => [{ system: `${CHASQUI_NS}/sid/message`, value: m.id }];

export function threadResources(ctx: Ctx): { answeredAt: string | undefined; build: () => void } {
  const thread = ctx.c.thread;
  const answer = thread.find((m) => m.direction === 'down' && m.type === 'answer');
  return {
    answeredAt: answer?.at,
    build: () => {
      const byId = new Map<string, { ref: Ref; resourceType: string; author: Ref }>();
      for (const m of thread) {
        if (m.direction === 'down' && (m.type === 'answer' || m.type === 'question')) {
          const cr = checkCounterReference(m.body);
          const author = ctx.person(`specialist:${cr.author.specialty}:${cr.author.name}`, cr.author.name, undefined, cr.author.specialty);
          const ref = cr.type === 'answer' ? impression(ctx, m, cr, author) : question(ctx, m, cr, author);
          byId.set(m.id, { ref, resourceType: cr.type === 'answer' ? 'ClinicalImpression' : 'Communication', author });
        } else if (m.direction === 'up' && m.type === 'reply') {
          reply(ctx, m, byId);
        }
      }
    },
  };
}

function impression(ctx: Ctx, m: ThreadMessage, cr: CounterReference, author: Ref): Ref {
  const conditions = (cr.diagnoses ?? []).map((d, i) =>
    ctx.add(`condition:${m.id}:${i}`, {
      resourceType: 'Condition',
      clinicalStatus: { coding: [CONDITION.active] },
      verificationStatus: { coding: [CONDITION.provisional] },
      category: [{ coding: [CONDITION.encounterDiagnosis] }],
      code: conditionCode(d),
      subject: ctx.patient,
      encounter: ctx.encounter,
      recordedDate: cr.sentAt,
      recorder: author,
    }),
  );
  return ctx.add(`impression:${m.id}`, {
    resourceType: 'ClinicalImpression',
    identifier: messageId(m),
    status: 'completed',
    subject: ctx.patient,
    encounter: ctx.encounter,
    effectiveDateTime: cr.sentAt,
    date: cr.sentAt,
    assessor: author,
    ...(cr.assessment ? { summary: cr.assessment } : {}),
    ...(conditions.length ? { finding: conditions.map((c) => ({ itemReference: c })) } : {}),
    ...(answerNotes(cr).length ? { note: answerNotes(cr).map((text) => ({ text })) } : {}),
  } satisfies FhirResource);
}

/**
 * The diagnosis as an ICD-10 coding. The system http://hl7.org/fhir/sid/icd-10
 * writes WHO codes (I21.4, I10), not Peru's HIS form (I214, I10X). Display is
 * the classification's description the hub resolved; an older message has
 * only the words the specialist typed, which go in text, not as the code's display.
 */
function conditionCode(d: Diagnosis) {
  const coding = { system: SYSTEM.icd10, code: whoCode(d.code), ...(d.description ? { display: d.description } : {}) };
  return { coding: [coding], text: diagnosisLabel(d) };
}

/** What the nurse is to do, as labelled notes: R4 ClinicalImpression has no element for a plan. */
function answerNotes(cr: CounterReference): string[] {
  const notes: string[] = [];
  if (cr.treatment) notes.push(`Tratamiento: ${cr.treatment}`);
  if (cr.recommendations) notes.push(`Recomendaciones: ${cr.recommendations}`);
  if (cr.referral) {
    const r = cr.referral;
    notes.push(r.needed ? `Referencia: sí${r.where ? `, a ${r.where}` : ''}${r.urgency ? ` (${r.urgency})` : ''}` : 'Referencia: no');
  }
  if (cr.followUp) notes.push(`Control: ${cr.followUp}`);
  return notes;
}

/** Down messages are 'completed' once the post acknowledged them; until then they are still on the link. */
function question(ctx: Ctx, m: ThreadMessage, cr: CounterReference, author: Ref): Ref {
  return ctx.add(`communication:${m.id}`, {
    resourceType: 'Communication',
    identifier: messageId(m),
    basedOn: [ctx.ref('request')],
    status: m.deliveredAt ? 'completed' : 'in-progress',
    subject: ctx.patient,
    encounter: ctx.encounter,
    sent: cr.sentAt,
    ...(m.deliveredAt ? { received: m.deliveredAt } : {}),
    recipient: [ctx.post],
    sender: author,
    payload: [{ contentString: cr.question ?? '' }],
  });
}

function reply(ctx: Ctx, m: ThreadMessage, byId: Map<string, { ref: Ref; resourceType: string; author: Ref }>): void {
  const r = checkCaseReply(m.body);
  const nurse = ctx.person(`nurse:${r.author.username}`, r.author.name, r.author.username);
  const to = byId.get(r.inReplyTo);
  ctx.add(`communication:${m.id}`, {
    resourceType: 'Communication',
    identifier: messageId(m),
    basedOn: [ctx.ref('request')],
    // R4 inResponseTo may only point at a Communication; a reply to an answer is "about" it.
    ...(to?.resourceType === 'Communication' ? { inResponseTo: [to.ref] } : {}),
    status: 'completed',
    subject: ctx.patient,
    encounter: ctx.encounter,
    ...(to && to.resourceType !== 'Communication' ? { about: [to.ref] } : {}),
    sent: r.sentAt,
    received: m.at,
    ...(to ? { recipient: [to.author] } : {}),
    sender: nurse,
    payload: [{ contentString: r.text }],
  });
}
