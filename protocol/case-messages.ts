/**
 * The messages of a case's thread, both ways: the specialist's
 * counter-reference ("contrarreferencia": an answer, or a question back) down
 * to the post, and the nurse's reply up to the hub. Pure shapes and checks;
 * both sides validate what they receive with these, so a malformed message
 * is refused at the edge instead of breaking a page later.
 */
import { ChasquiError } from '../lib/errors.js';

export interface Diagnosis {
  /** ICD-10 code as Peru's HIS-MINSA writes it, e.g. "I214", "I10X" (older messages: "I21.4"). */
  code: string;
  /** The classification's description of the code, filled by the hub from its copy of the CIE-10. */
  description?: string;
  /** Before the hub checked codes: the words the specialist typed. Only in older messages. */
  text?: string;
}

/** What a person reads beside the code: the classification's words, or an older message's typed ones. */
export function diagnosisLabel(d: Diagnosis): string {
  return String(d.description ?? d.text ?? '');
}

export interface CounterReference {
  type: 'answer' | 'question';
  caseId: string;
  /** The signed-in specialist who wrote it, as the hub knows them; `username` is the hub account (older messages lack it). */
  author: { name: string; specialty: string; username?: string };
  sentAt: string;
  /** A question back to the post (type 'question'). */
  question?: string;
  /** An answer (type 'answer'): what the nurse can act on. */
  assessment?: string;
  diagnoses?: Diagnosis[];
  treatment?: string;
  recommendations?: string;
  referral?: { needed: boolean; where?: string; urgency?: 'urgent' | 'routine' };
  /** Follow-up date, YYYY-MM-DD. */
  followUp?: string;
}

/** The nurse's reply to a message of the thread, travelling up as a notice. */
export interface CaseReply {
  type: 'reply';
  caseId: string;
  /** The hub's id of the message replied to. */
  inReplyTo: string;
  text: string;
  author: { name: string; username: string };
  sentAt: string;
}

// The shape of a code only (HIS form I10X or I214, or the dotted I21.4 of older messages); whether the
// code exists is the hub's check against the classification (hub/terminology/), which the post does not carry.
const ICD10 = /^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_TEXT = 20_000;

function bad(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', message);
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
function text(v: unknown, what: string, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) bad(`${what} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length > MAX_TEXT) bad(`${what} must be text of at most ${MAX_TEXT} characters`);
  return v;
}

export function checkCounterReference(v: unknown): CounterReference {
  if (!isObj(v) || (v.type !== 'answer' && v.type !== 'question')) bad('a counter-reference is an answer or a question');
  const author = isObj(v.author) ? v.author : bad('author is required');
  const out: CounterReference = {
    type: v.type,
    caseId: text(v.caseId, 'caseId', true)!,
    author: { name: text(author.name, 'author.name', true)!, specialty: text(author.specialty, 'author.specialty', true)!, ...accountOf(author) },
    sentAt: text(v.sentAt, 'sentAt', true)!,
  };
  if (v.type === 'question') {
    out.question = text(v.question, 'question', true);
    return out;
  }
  const assessment = text(v.assessment, 'assessment', true);
  if (assessment !== undefined) out.assessment = assessment;
  for (const k of ['treatment', 'recommendations'] as const) {
    const s = text(v[k], k, false);
    if (s !== undefined) out[k] = s;
  }
  if (v.diagnoses !== undefined) out.diagnoses = checkDiagnoses(v.diagnoses);
  if (v.referral !== undefined) out.referral = checkReferral(v.referral);
  if (v.followUp !== undefined) out.followUp = DATE.test(String(v.followUp)) ? String(v.followUp) : bad('followUp must be YYYY-MM-DD');
  return out;
}

function accountOf(author: Record<string, unknown>): { username?: string } {
  const username = text(author.username, 'author.username', false);
  return username === undefined ? {} : { username };
}

function checkDiagnoses(v: unknown): Diagnosis[] {
  if (!Array.isArray(v) || v.length > 20) bad('diagnoses must be a list of at most 20');
  return v.map((d, i) => {
    if (!isObj(d) || typeof d.code !== 'string' || !ICD10.test(d.code)) bad(`diagnosis ${i + 1} needs an ICD-10 code such as I214`);
    const description = text(d.description, `diagnosis ${i + 1} description`, false);
    const typed = text(d.text, `diagnosis ${i + 1} text`, description === undefined);
    return { code: d.code, ...(description !== undefined ? { description } : {}), ...(typed !== undefined ? { text: typed } : {}) };
  });
}

function checkReferral(v: unknown): NonNullable<CounterReference['referral']> {
  if (!isObj(v) || typeof v.needed !== 'boolean') bad('referral.needed must be true or false');
  const r: NonNullable<CounterReference['referral']> = { needed: v.needed };
  const where = text(v.where, 'referral.where', false);
  if (where !== undefined) r.where = where;
  if (v.urgency !== undefined) r.urgency = v.urgency === 'urgent' || v.urgency === 'routine' ? v.urgency : bad('referral.urgency is urgent or routine');
  return r;
}

export function checkCaseReply(v: unknown): CaseReply {
  if (!isObj(v) || v.type !== 'reply') bad('not a reply');
  const author = isObj(v.author) ? v.author : bad('author is required');
  return {
    type: 'reply',
    caseId: text(v.caseId, 'caseId', true)!,
    inReplyTo: text(v.inReplyTo, 'inReplyTo', true)!,
    text: text(v.text, 'text', true)!,
    author: { name: text(author.name, 'author.name', true)!, username: text(author.username, 'author.username', true)! },
    sentAt: text(v.sentAt, 'sentAt', true)!,
  };
}

/** The post's notice that a nurse opened a message: the specialist sees it was read. */
export interface CaseReadReceipt {
  type: 'read';
  caseId: string;
  messageId: string;
  readAt: string;
  reader: string;
}

export type PostNotice = CaseReply | CaseReadReceipt;

export function checkPostNotice(v: unknown): PostNotice {
  if (isObj(v) && v.type === 'read') {
    return {
      type: 'read',
      caseId: text(v.caseId, 'caseId', true)!,
      messageId: text(v.messageId, 'messageId', true)!,
      readAt: text(v.readAt, 'readAt', true)!,
      reader: text(v.reader, 'reader', true)!,
    };
  }
  return checkCaseReply(v);
}

/** The hub's notice that a specialist opened the case: the nurse sees "seen by specialist". */
export interface CaseSeenNotice {
  type: 'seen';
  caseId: string;
  seenAt: string;
  /** The specialty that opened it (not the person: the post does not need names before the answer). */
  specialty: string;
}

export function checkHubNotice(v: unknown): CaseSeenNotice {
  if (!isObj(v) || v.type !== 'seen') bad('unknown notice from the hub');
  return {
    type: 'seen',
    caseId: text(v.caseId, 'caseId', true)!,
    seenAt: text(v.seenAt, 'seenAt', true)!,
    specialty: text(v.specialty, 'specialty', true)!,
  };
}
