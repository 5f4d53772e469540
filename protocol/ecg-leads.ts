/**
 * The standard 12-lead set from what a front end records. Pure (no I/O): the
 * post uses it to show a Cyton capture, the hub to show what arrived.
 *
 * Only I and II carry independent limb information; the other four limb leads
 * follow from Einthoven's law and Goldberger's augmented leads (with
 * RA, LA, LL the electrode potentials, I = LA − RA and II = LL − RA):
 *   III = LL − LA = II − I
 *   aVR = RA − (LA + LL)/2 = −(I + II)/2
 *   aVL = LA − (RA + LL)/2 = I − II/2
 *   aVF = LL − (RA + LA)/2 = II − I/2
 * The chest leads V1–V6 are independent and are taken as recorded.
 */
import { ChasquiError } from '../lib/errors.js';
import type { EcgLead, EcgRecording } from './ecg-recording.js';

/** The standard order of a 12-lead ECG (IEC 60601-2-25 / AHA). */
export const STANDARD_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

export interface LimbLeads {
  III: number;
  aVR: number;
  aVL: number;
  aVF: number;
}

/** The four dependent limb leads from I and II, in the units they are given in. */
export function deriveLimbLeads(I: number, II: number): LimbLeads {
  return { III: II - I, aVR: -(I + II) / 2, aVL: I - II / 2, aVF: II - I / 2 };
}

export interface StandardLeadSignal {
  name: StandardLead;
  /** Millivolts, one value per sample. */
  mv: Float64Array;
  /** True for III, aVR, aVL, aVF (computed from I and II), false for recorded leads. */
  derived: boolean;
}

export interface TwelveLeadEcg {
  samplingFrequency: number;
  /** In STANDARD_LEADS order; a chest lead the recording lacks is left out (see `missing`). */
  leads: StandardLeadSignal[];
  /** Standard leads that could not be given because the recording has no such chest lead. */
  missing: StandardLead[];
}

/** Physical value of one recorded lead: mV = (sample − baseline) / unitsPerMv (ecg-recording.ts). */
export function leadMillivolts(lead: EcgLead, length = lead.samples.length): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = ((lead.samples[i] as number) - lead.baseline) / lead.unitsPerMv;
  return out;
}

function findLead(rec: EcgRecording, name: string): EcgLead | undefined {
  const want = name.toLowerCase();
  return rec.leads.find((l) => l.name.toLowerCase() === want);
}

/**
 * The 12 standard leads of a recording that has at least I and II. The four
 * dependent limb leads are always computed from I and II, even when the
 * recording carries its own III/aVR/aVL/aVF, so every source shows them the
 * same way. Lead names match case-insensitively ("ii", "V1", "v1").
 */
export function twelveLeads(rec: EcgRecording): TwelveLeadEcg {
  const I = findLead(rec, 'I');
  const II = findLead(rec, 'II');
  if (!I || !II) {
    const have = rec.leads.map((l) => l.name).join(', ') || 'none';
    throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `a 12-lead view needs leads I and II (the recording has ${have})`);
  }
  const length = Math.min(...rec.leads.map((l) => l.samples.length));
  const i = leadMillivolts(I, length);
  const ii = leadMillivolts(II, length);
  const limb = { III: new Float64Array(length), aVR: new Float64Array(length), aVL: new Float64Array(length), aVF: new Float64Array(length) };
  for (let n = 0; n < length; n++) {
    const d = deriveLimbLeads(i[n] as number, ii[n] as number);
    limb.III[n] = d.III;
    limb.aVR[n] = d.aVR;
    limb.aVL[n] = d.aVL;
    limb.aVF[n] = d.aVF;
  }
  const leads: StandardLeadSignal[] = [
    { name: 'I', mv: i, derived: false },
    { name: 'II', mv: ii, derived: false },
    { name: 'III', mv: limb.III, derived: true },
    { name: 'aVR', mv: limb.aVR, derived: true },
    { name: 'aVL', mv: limb.aVL, derived: true },
    { name: 'aVF', mv: limb.aVF, derived: true },
  ];
  const missing: StandardLead[] = [];
  for (const name of STANDARD_LEADS.slice(6)) {
    const lead = findLead(rec, name);
    if (lead) leads.push({ name, mv: leadMillivolts(lead, length), derived: false });
    else missing.push(name);
  }
  return { samplingFrequency: rec.samplingFrequency, leads, missing };
}
