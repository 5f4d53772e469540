/**
 * The code tables of the FHIR R4 export (hub/fhir/case-bundle.ts), each with
 * where it comes from. Pure data.
 */

/** Terminology systems (FHIR R4 §4.3 "Using Codes": canonical system URIs). */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  snomed: 'http://snomed.info/sct',
  /** WHO ICD-10 (Peru codes diagnoses in CIE-10, the WHO edition). */
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  actPriority: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  obsCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  mediaType: 'http://terminology.hl7.org/CodeSystem/media-type',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  v2IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  /** Identifier.system for "the value is a URI" (FHIR R4 §2.24.0.12 Identifier). */
  uri: 'urn:ietf:rfc:3986',
} as const;

/**
 * Our own namespace for identifiers and extensions nobody else defines.
 * A placeholder until the regional hub has a domain of its own: FHIR wants an
 * Identifier.system to be an absolute URL its owner controls, and
 * `.example.org` (RFC 2606) says plainly that this one is local.
 */
export const CHASQUI_NS = 'https://chasqui.example.org/fhir';

/**
 * Patient documents. Peru's MINSA draft IG (RENHICE "PacientePe", v0.1,
 * 2024-12-04, https://dyaku.minsa.gob.pe/guides/StructureDefinition-PacientePe.html)
 * types the identifier with a code and does not publish an Identifier.system
 * for the RENIEC DNI, and we found no documented one; so these are local,
 * clearly named systems, and the type says which document it is.
 */
export const DOC_SYSTEM = {
  DNI: `${CHASQUI_NS}/sid/pe-reniec-dni`,
  CE: `${CHASQUI_NS}/sid/pe-migraciones-ce`,
} as const;
export const DOC_TYPE: Record<string, { code: string; display: string; text: string }> = {
  // HL7 v2 table 0203: NI "National unique individual identifier", PPN would be a passport.
  DNI: { code: 'NI', display: 'National unique individual identifier', text: 'DNI (RENIEC)' },
  CE: { code: 'PRC', display: 'Permanent Resident Card Number', text: 'Carné de extranjería' },
};
export const ESTIMATED_AGE_URL = `${CHASQUI_NS}/StructureDefinition/estimated-age`;

/** node's sex field → AdministrativeGender (required binding, FHIR R4 valueset-administrative-gender). */
export const GENDER: Record<string, 'male' | 'female' | 'other'> = { F: 'female', M: 'male', other: 'other' };

type Loinc = { code: string; display: string };
export type VitalCode = { profile: string; loinc: Loinc[]; ucum: string; unit: string };

/**
 * The vitals the post sends (node/cases/vitals.ts) → the FHIR R4 vital-signs
 * profiles (https://hl7.org/fhir/R4/observation-vitalsigns.html): the LOINC
 * code each profile fixes and the UCUM unit it requires.
 */
export const VITALS: Record<'pulse' | 'spo2' | 'temperature' | 'respRate' | 'weight', VitalCode> = {
  pulse: { profile: 'heartrate', loinc: [{ code: '8867-4', display: 'Heart rate' }], ucum: '/min', unit: 'beats/minute' },
  spo2: {
    profile: 'oxygensat',
    // The profile fixes 2708-6; 59408-5 says it was measured by pulse oximetry, as posts do.
    loinc: [
      { code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
      { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
    ],
    ucum: '%', unit: '%',
  },
  temperature: { profile: 'bodytemp', loinc: [{ code: '8310-5', display: 'Body temperature' }], ucum: 'Cel', unit: '°C' },
  respRate: { profile: 'resprate', loinc: [{ code: '9279-1', display: 'Respiratory rate' }], ucum: '/min', unit: 'breaths/minute' },
  weight: { profile: 'bodyweight', loinc: [{ code: '29463-7', display: 'Body weight' }], ucum: 'kg', unit: 'kg' },
};
export const BLOOD_PRESSURE = {
  profile: 'bp',
  panel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  ucum: 'mm[Hg]', unit: 'mmHg',
} as const;
export const VITAL_SIGNS_CATEGORY = { system: SYSTEM.obsCategory, code: 'vital-signs', display: 'Vital Signs' } as const;
export const profileUrl = (name: string): string => `http://hl7.org/fhir/StructureDefinition/${name}`;

/** The post's low/high flags → v3 ObservationInterpretation L / H. */
export const INTERPRETATION = {
  low: { system: SYSTEM.interpretation, code: 'L', display: 'Low' },
  high: { system: SYSTEM.interpretation, code: 'H', display: 'High' },
} as const;

/**
 * Case priority → FHIR request-priority (required binding): routine < urgent
 * < asap < stat. A store-and-forward case marked urgent asks to be "actioned
 * promptly", which is 'urgent'; 'asap'/'stat' promise immediacy a link that
 * may be down for hours cannot give.
 */
export const REQUEST_PRIORITY: Record<string, 'routine' | 'urgent'> = { urgent: 'urgent', routine: 'routine' };
/** The same for Encounter.priority (v3 ActPriority, example binding). */
export const ENCOUNTER_PRIORITY = {
  urgent: { system: SYSTEM.actPriority, code: 'UR', display: 'urgent' },
  routine: { system: SYSTEM.actPriority, code: 'R', display: 'routine' },
} as const;

/** v3 ActCode VR: "virtual", the class R4 gives a telemedicine encounter. */
export const VIRTUAL_CLASS = { system: SYSTEM.actCode, code: 'VR', display: 'virtual' } as const;
/** SNOMED CT 448337001 |Telemedicine consultation with patient (procedure)|. */
export const TELECONSULT = { system: SYSTEM.snomed, code: '448337001', display: 'Telemedicine consultation with patient' } as const;

/**
 * Specialty → SNOMED CT, from the FHIR R4 "Practice Setting Code" value set
 * (https://hl7.org/fhir/R4/valueset-c80-practice-codes.html), the codes R4
 * itself uses for a clinical specialty.
 */
export const SPECIALTY: Record<string, { code: string; display: string }> = {
  cardiology: { code: '394579002', display: 'Cardiology' },
  dermatology: { code: '394582007', display: 'Dermatology' },
  internalMedicine: { code: '419192003', display: 'Internal medicine' },
  paediatrics: { code: '394537008', display: 'Pediatric specialty' },
  obstetrics: { code: '408470005', display: 'Obstetrics' },
};

/** media-type code system: what a Media is (R4 Media.type, extensible). */
export const IMAGE_TYPE = { system: SYSTEM.mediaType, code: 'image', display: 'Image' } as const;
/** The post's lossless ECG file (protocol/ecg-codec.ts); node names the same type in node/ecg/ecg-recordings.ts. */
export const ECG_MEDIA_TYPE = 'application/vnd.chasqui.ecg';
/** LOINC 11524-6 "EKG study": the document type of an ECG recording. */
export const ECG_DOCUMENT_TYPE = { system: SYSTEM.loinc, code: '11524-6', display: 'EKG study' } as const;

export const CONDITION = {
  active: { system: SYSTEM.conditionClinical, code: 'active', display: 'Active' },
  // A diagnosis made at a distance, from what the post sent, without examining the patient.
  provisional: { system: SYSTEM.conditionVerification, code: 'provisional', display: 'Provisional' },
  encounterDiagnosis: { system: SYSTEM.conditionCategory, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' },
} as const;
