/**
 * SCP-ECG (EN 1064:2005 / ISO 11073-91064) reader: file bytes in, an
 * EcgRecording plus the patient and acquisition fields of Section 1 out.
 * Pure; every fault of the file is a ChasquiError CHASQUI_ERR_ECG_FORMAT.
 *
 * Decoding order (EN 1064 Sections 2–6): Huffman (or raw 16-bit words when
 * Section 2 is absent) → undo first/second differences → add the reference
 * beat back where Section 3 says it was subtracted. That last step is plain
 * integer addition, so it is exact; it is the reconstruction WFDB's
 * parsescp does for Burdick carts, minus the smoothing parsescp applies to
 * the residual. Bimodal compression is refused: it stores most of the signal
 * decimated and leaves the interpolation to the reader, so no two readers
 * give the same samples.
 */
import { ECG_SAMPLE_MAX, ECG_SAMPLE_MIN, type EcgLead, type EcgRecording } from '../../protocol/ecg-recording.js';
import { DEFAULT_TABLE, huffmanDecode, parseHuffmanTables, rawDecode, undifference, type HuffmanTable } from './scp-huffman.js';
import { parseSection1, type ScpAcquisition, type ScpPatient } from './scp-section1.js';
import {
  fail,
  parseEncodedData,
  parseSection3,
  parseSection4,
  readSections,
  type EncodedData,
  type Section,
  type Section3,
} from './scp-sections.js';

export type { ScpAcquisition, ScpPatient } from './scp-section1.js';

export interface ScpEcg {
  recording: EcgRecording;
  patient: ScpPatient;
  acquisition: ScpAcquisition;
  /** How Section 6 was stored, for people checking a conversion. */
  encoding: { huffman: 'default' | 'custom' | 'none'; differenceMode: number; referenceBeatSubtracted: boolean };
}

/**
 * Lead identification codes, EN 1064 Section 3 lead table (0 = unspecified).
 * Calibration and special leads keep the standard's own short names.
 */
const LEAD_NAMES: readonly string[] = [
  '', 'I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7',
  'V2R', 'V3R', 'V4R', 'V5R', 'V6R', 'V7R', 'X', 'Y', 'Z', 'CC5',
  'CM5', 'LA', 'RA', 'LL', 'fI', 'fE', 'fC', 'fA', 'fM', 'fF',
  'fH', 'I-cal', 'II-cal', 'V1-cal', 'V2-cal', 'V3-cal', 'V4-cal', 'V5-cal', 'V6-cal', 'V7-cal',
  'V2R-cal', 'V3R-cal', 'V4R-cal', 'V5R-cal', 'V6R-cal', 'V7R-cal', 'X-cal', 'Y-cal', 'Z-cal', 'CC5-cal',
  'CM5-cal', 'LA-cal', 'RA-cal', 'LL-cal', 'fI-cal', 'fE-cal', 'fC-cal', 'fA-cal', 'fM-cal', 'fF-cal',
  'fH-cal', 'III', 'aVR', 'aVL', 'aVF', '-aVR', 'V8', 'V9', 'V8R', 'V9R',
  'D', 'A', 'J', 'Defib', 'Extern', 'A1', 'A2', 'A3', 'A4', 'V8-cal',
  'V9-cal', 'V8R-cal', 'V9R-cal', 'D-cal', 'A-cal', 'J-cal',
];

export function scpLeadName(code: number): string {
  const name = LEAD_NAMES[code];
  return name ? name : `SCP lead ${code}`;
}

function required(sections: Map<number, Section>, id: number, why: string): Section {
  return sections.get(id) ?? fail(`Section ${id} is missing: ${why}`);
}

function decodeLeads(data: EncodedData, tables: HuffmanTable[] | undefined, counts: number[], section: number): Int32Array[] {
  return data.leads.map((bytes, i) => {
    const what = `Section ${section} lead ${i + 1}`;
    const count = counts[i] ?? 0;
    const values = tables ? huffmanDecode(bytes, tables, count, what) : rawDecode(bytes, count, what);
    return undifference(values, data.differenceMode, what);
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Put the reference beat (Section 5) back into the residual (Section 6) over
 * each subtraction zone of Section 4. Beats of type 0 are the ones the
 * reference beat was subtracted from; sample s of the residual takes
 * reference sample fcM + (s − fc), all 1-based. Both are first brought to a
 * common amplitude unit (the gcd of their multipliers), so the sum is exact.
 */
function addReferenceBeat(
  sections: Map<number, Section>,
  s3: Section3,
  rhythm: EncodedData,
  residual: Int32Array[],
  tables: HuffmanTable[] | undefined,
): { leads: Int32Array[]; nanovoltsPerUnit: number } {
  const refuse = (why: string): never =>
    fail(`this file stores rhythm as a residual after reference-beat subtraction and ${why}; Chasqui cannot reconstruct the samples exactly`);
  const s4 = parseSection4((sections.get(4) ?? refuse('has no Section 4 (QRS locations)')).data);
  const ref = parseEncodedData(sections.get(5) ?? refuse('has no Section 5 (reference beat)'), s3.leads.length);
  if (ref.sampleIntervalMicros !== rhythm.sampleIntervalMicros) refuse('its reference beat is sampled at a different rate');
  if (ref.nanovoltsPerUnit === 0) refuse('its reference beat has no amplitude multiplier');
  const refCount = Math.floor((s4.referenceLengthMs * 1000) / ref.sampleIntervalMicros);
  const beats = decodeLeads(ref, tables, s3.leads.map(() => refCount), 5);
  const unit = gcd(ref.nanovoltsPerUnit, rhythm.nanovoltsPerUnit);
  const kRes = rhythm.nanovoltsPerUnit / unit;
  const kRef = ref.nanovoltsPerUnit / unit;
  const leads = residual.map((res, lead) => {
    const out = new Int32Array(res.length);
    const x = Float64Array.from(res, (v) => v * kRes);
    const beat = beats[lead] ?? new Int32Array();
    for (const [k, { type, start, fiducial, end }] of s4.beats.entries()) {
      if (type !== 0) continue;
      // parsescp (WFDB) stops on such a zone too: part of the beat would be missing.
      const first = s4.referenceFiducial + (start - fiducial) - 1;
      if (start < 1 || end > res.length || end < start || first < 0 || first + (end - start) >= beat.length) {
        refuse(`its QRS ${k + 1} subtraction zone (samples ${start}..${end}) does not fit the reference beat or the record`);
      }
      for (let s = start; s <= end; s++) x[s - 1]! += beat[first + (s - start)]! * kRef;
    }
    for (let i = 0; i < out.length; i++) {
      // Checked here, before an Int32Array store could wrap an absurd sum into range.
      if (x[i]! < ECG_SAMPLE_MIN || x[i]! > ECG_SAMPLE_MAX) fail(`lead ${lead + 1} sample ${i + 1} (${x[i]}) is outside the 24-bit range`);
      out[i] = x[i]!;
    }
    return out;
  });
  return { leads, nanovoltsPerUnit: unit };
}

/** Decode an SCP-ECG file. `name` only labels the recording's source. */
export function decodeScpEcg(file: Uint8Array, name = 'SCP-ECG file'): ScpEcg {
  const sections = readSections(file);
  const s3 = parseSection3(required(sections, 3, 'the file does not say which leads it holds').data);
  const s6 = required(sections, 6, 'the file holds no rhythm data');
  const s2 = sections.get(2);
  const parsed = s2 ? parseHuffmanTables(s2.data) : [];
  const tables = parsed.length > 0 ? parsed : undefined;
  const rhythm = parseEncodedData(s6, s3.leads.length);
  if (rhythm.bimodal) {
    fail('this file uses bimodal compression (rhythm stored decimated outside the QRS); Chasqui cannot reconstruct the samples exactly');
  }
  if (rhythm.sampleIntervalMicros === 0) fail('Section 6 sample interval is 0');
  if (rhythm.nanovoltsPerUnit === 0) fail('Section 6 amplitude multiplier is 0');
  const first = s3.leads[0]!;
  if (s3.leads.some((l) => l.start !== first.start || l.end !== first.end)) {
    fail('its leads cover different sample ranges (recorded one group after another); Chasqui keeps leads aligned in time');
  }
  const counts = s3.leads.map((l) => l.end - l.start + 1);
  let samples = decodeLeads(rhythm, tables, counts, 6);
  let nanovoltsPerUnit = rhythm.nanovoltsPerUnit;
  if (s3.referenceBeatSubtracted) ({ leads: samples, nanovoltsPerUnit } = addReferenceBeat(sections, s3, rhythm, samples, tables));

  const leads: EcgLead[] = samples.map((values, i) => {
    const bad = values.findIndex((v) => v < ECG_SAMPLE_MIN || v > ECG_SAMPLE_MAX);
    if (bad >= 0) fail(`lead ${i + 1} sample ${bad + 1} (${values[bad]}) is outside the 24-bit range`);
    return { name: scpLeadName(s3.leads[i]!.code), unitsPerMv: 1e6 / nanovoltsPerUnit, baseline: 0, samples: values };
  });
  const s1 = sections.get(1);
  const { patient, acquisition } = s1 ? parseSection1(s1.data) : { patient: {}, acquisition: {} };
  const recording: EcgRecording = { samplingFrequency: 1e6 / rhythm.sampleIntervalMicros, leads, source: `SCP-ECG file ${name}` };
  if (acquisition.startedAt) recording.startedAt = acquisition.startedAt;
  const huffman = !tables ? 'none' : tables[0] === DEFAULT_TABLE ? 'default' : 'custom';
  const encoding = { huffman, differenceMode: rhythm.differenceMode, referenceBeatSubtracted: s3.referenceBeatSubtracted } as const;
  return { recording, patient, acquisition, encoding };
}
