/**
 * Which specialty a case goes to, and why. Pure: it reads the case body the
 * post sent (node/cases/case-drafts.ts `build()`: patient.ageYears, reason,
 * history, specialty) and the attachments' media types.
 *
 * The nurse's explicit choice always wins: she saw the patient. Otherwise the
 * rules are data, an ordered list a region can tune in its config; the first
 * rule whose conditions all hold decides, and the specialist is shown its id
 * and the evidence (the media type or words that matched).
 */
export const SPECIALTIES = ['cardiology', 'dermatology', 'internalMedicine', 'paediatrics', 'obstetrics'] as const;
export type Specialty = (typeof SPECIALTIES)[number];

/**
 * Every condition given must hold (a rule with none always matches).
 * mediaTypes: some attachment has one of them ("image/*" matches a family).
 * keywords: one appears as a word in reason or history, compared without case
 * or accents; a trailing "*" matches a word's start ("embaraz*").
 * underAgeYears: the patient's age in years is known and below it.
 */
export type RoutingRule = {
  id: string;
  specialty: Specialty;
  mediaTypes?: string[];
  keywords?: string[];
  underAgeYears?: number;
};

export type RoutingInput = { body: unknown; attachments: ReadonlyArray<{ mediaType: string }> };
export type RoutingDecision = { specialty: Specialty; rule: string; reason: string; evidence: string[] };

/** The post's own ECG format (node/ecg/ecg-recordings.ts) and the two standard ECG file formats (unregistered x- types, as importers label them). */
export const ECG_MEDIA_TYPES = [
  'application/vnd.chasqui.ecg',
  'application/x-wfdb-signal', // PhysioNet WFDB signal files (physionet.org/physiotools/wag/signal-5.htm)
  'application/x-scp-ecg', // EN 1064 / ISO 11073-91064 SCP-ECG
];

const SKIN = [
  'piel', 'lesion*', 'mancha*', 'erupcion*', 'herida*', 'ulcera*', 'picazon', 'prurito', 'ronchas', 'roncha', 'lunar*',
  'quemadura*', 'ampolla*', 'granos', 'sarpullido', 'costra*', 'dermatitis', 'verruga*',
  'skin', 'rash*', 'wound*', 'ulcer*', 'itch*', 'mole', 'moles', 'burn', 'burns', 'blister*', 'hives', 'eczema',
];

/** FUR: fecha de última regla, the last menstrual period as Peruvian records write it. */
const OBSTETRIC = [
  'embaraz*', 'gestante*', 'gestacion*', 'parto', 'sangrado vaginal', 'contracciones', 'fur', 'puerpera*', 'prenatal',
  'semanas de gestacion', 'aborto', 'amenorrea', 'preeclampsia', 'eclampsia', 'placenta*', 'movimientos fetales',
  'pregnan*', 'gestation*', 'labour', 'labor', 'vaginal bleeding', 'contractions', 'antenatal', 'miscarriage', 'postpartum',
];

export const DEFAULT_RULES: readonly RoutingRule[] = Object.freeze([
  { id: 'ecg', specialty: 'cardiology', mediaTypes: ECG_MEDIA_TYPES },
  { id: 'skinPhoto', specialty: 'dermatology', mediaTypes: ['image/*'], keywords: SKIN },
  { id: 'obstetric', specialty: 'obstetrics', keywords: OBSTETRIC },
  // MINSA's life stages (RM 538-2009/MINSA) put childhood at 0–11 and adolescence at 12–17; the region sends under-15s
  // to paediatrics. A region that wants 12 or 18 changes this one number.
  { id: 'paediatric', specialty: 'paediatrics', underAgeYears: 15 },
  { id: 'default', specialty: 'internalMedicine' },
]);

export function isSpecialty(v: unknown): v is Specialty {
  return typeof v === 'string' && (SPECIALTIES as readonly string[]).includes(v);
}

export function chooseSpecialty(input: RoutingInput, rules: readonly RoutingRule[] = DEFAULT_RULES): RoutingDecision {
  const body = (input.body ?? {}) as Record<string, unknown>;
  if (isSpecialty(body.specialty)) {
    return { specialty: body.specialty, rule: 'explicit', reason: `the nurse chose ${body.specialty}`, evidence: [] };
  }
  const facts = factsOf(body, input.attachments);
  for (const rule of rules) {
    const evidence = matches(rule, facts);
    if (evidence) return { specialty: rule.specialty, rule: rule.id, reason: describe(rule, evidence), evidence };
  }
  // A list without a catch-all must still send the case somewhere a generalist sees it.
  return { specialty: 'internalMedicine', rule: 'fallback', reason: 'no rule matched', evidence: [] };
}

type Facts = { text: string; mediaTypes: string[]; ageYears: number | null };

function factsOf(body: Record<string, unknown>, attachments: RoutingInput['attachments']): Facts {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const patient = (body.patient ?? {}) as Record<string, unknown>;
  const age = patient.ageYears;
  return {
    text: normalise(`${str(body.reason)}\n${str(body.history)}`),
    mediaTypes: attachments.map((a) => a.mediaType.toLowerCase()),
    ageYears: typeof age === 'number' && Number.isFinite(age) ? age : null,
  };
}

/** The evidence when every condition holds, or null. */
function matches(rule: RoutingRule, f: Facts): string[] | null {
  const evidence: string[] = [];
  if (rule.mediaTypes) {
    const hit = f.mediaTypes.find((m) => rule.mediaTypes!.some((p) => mediaTypeMatches(p, m)));
    if (!hit) return null;
    evidence.push(hit);
  }
  if (rule.keywords) {
    const hit = rule.keywords.find((k) => keywordIn(k, f.text));
    if (!hit) return null;
    evidence.push(hit);
  }
  if (rule.underAgeYears !== undefined) {
    if (f.ageYears === null || !(f.ageYears < rule.underAgeYears)) return null;
    evidence.push(`${f.ageYears} years`);
  }
  return evidence;
}

function describe(rule: RoutingRule, evidence: string[]): string {
  return evidence.length ? `${rule.id}: ${evidence.join(', ')}` : rule.id;
}

function mediaTypeMatches(pattern: string, mediaType: string): boolean {
  const p = pattern.toLowerCase();
  const base = mediaType.split(';')[0]!.trim();
  return p.endsWith('/*') ? base.startsWith(p.slice(0, -1)) : base === p;
}

/** Lower case, accents stripped (NFD then drop combining marks), so "Lesión" and "lesion" are one word. */
export function normalise(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const cache = new Map<string, RegExp>();
function keywordIn(keyword: string, text: string): boolean {
  let re = cache.get(keyword);
  if (!re) {
    const prefix = keyword.endsWith('*');
    const k = normalise(prefix ? keyword.slice(0, -1) : keyword).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    re = new RegExp(`(?<![\\p{L}\\p{N}])${k}${prefix ? '' : '(?![\\p{L}\\p{N}])'}`, 'u');
    cache.set(keyword, re);
  }
  return re.test(text);
}
