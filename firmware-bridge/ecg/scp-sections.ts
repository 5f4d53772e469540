/**
 * The framing of an SCP-ECG record (EN 1064:2005 / ISO 11073-91064):
 * the record header, the 16-byte section header, Section 0 pointers, and
 * the fixed-layout sections 3, 4, 5 and 6. Pure bytes in, plain objects out.
 * All integers are little-endian, as the standard requires.
 */
import { ChasquiError } from '../../lib/errors.js';
import { crcCcitt } from './crc-ccitt.js';

export function fail(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', message);
}

export interface Section {
  id: number;
  /** The section's bytes after its 16-byte header. */
  data: Uint8Array;
  version: number;
  protocolVersion: number;
}

const SECTION_HEADER = 16;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Record header: bytes 1–2 hold the CRC of the rest of the file, 3–6 its
 * length. A file longer than that length is refused too: trailing bytes
 * mean the copy is not what the cardiograph wrote.
 */
export function checkRecord(file: Uint8Array): void {
  if (file.length < 6 + SECTION_HEADER) fail(`file is ${file.length} bytes, too short for an SCP-ECG record`);
  const v = view(file);
  const length = v.getUint32(2, true);
  if (length !== file.length) fail(`record length field says ${length} bytes but the file has ${file.length} (truncated or padded)`);
  const stored = v.getUint16(0, true);
  const computed = crcCcitt(file, 2);
  if (stored !== computed) fail(`record CRC failed (stored 0x${hex(stored)}, computed 0x${hex(computed)}): the file is corrupted`);
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * One section at a 0-based offset, its CRC checked (section header bytes
 * 1–2 are the CRC of the section from its byte 3 to its end; 3–4 the id;
 * 5–8 the length including the header; 9 section version; 10 protocol
 * version; 11–16 reserved).
 */
export function readSection(file: Uint8Array, offset: number, expectId: number): Section {
  if (offset < 6 || offset + SECTION_HEADER > file.length) fail(`Section ${expectId} starts outside the file (byte ${offset + 1})`);
  const v = view(file);
  const id = v.getUint16(offset + 2, true);
  const length = v.getUint32(offset + 4, true);
  if (id !== expectId) fail(`Section 0 points to Section ${expectId} at byte ${offset + 1}, but the section there is ${id}`);
  if (length < SECTION_HEADER || offset + length > file.length) fail(`Section ${id} length ${length} does not fit in the file`);
  const stored = v.getUint16(offset, true);
  const computed = crcCcitt(file, offset + 2, offset + length);
  if (stored !== computed) fail(`Section ${id} CRC failed (stored 0x${hex(stored)}, computed 0x${hex(computed)}): the file is corrupted`);
  return {
    id,
    data: file.subarray(offset + SECTION_HEADER, offset + length),
    version: file[offset + 8] ?? 0,
    protocolVersion: file[offset + 9] ?? 0,
  };
}

/**
 * Section 0 starts at byte 7 and lists 10-byte pointers: u16
 * section id, u32 length, u32 1-based byte index. Length 0 means absent.
 * Bytes 11–16 of its header should read "SCPECG" (ISO 11073-91064 §5.3.2), but older
 * writers (e.g. Burdick, protocol 1.0) leave them zero, so the marker is not
 * required: the CRCs already prove the file is intact.
 */
export function readSections(file: Uint8Array): Map<number, Section> {
  checkRecord(file);
  const s0 = readSection(file, 6, 0);
  const sections = new Map<number, Section>([[0, s0]]);
  const v = view(s0.data);
  for (let at = 0; at + 10 <= s0.data.length; at += 10) {
    const id = v.getUint16(at, true);
    const length = v.getUint32(at + 2, true);
    const index = v.getUint32(at + 6, true);
    // Length 0 marks an absent section; a repeated id is read once.
    if (id === 0 || length === 0 || sections.has(id)) continue;
    // The section's own header length is the one its CRC covers, so it wins
    // over a disagreeing Section 0 length (which the standard says must match).
    sections.set(id, readSection(file, index - 1, id));
  }
  return sections;
}

export interface LeadDefinition {
  /** Lead identification code (EN 1064 Section 3 lead table). */
  code: number;
  /** 1-based first and last sample number of the lead in the rhythm data. */
  start: number;
  end: number;
}

export interface Section3 {
  /** Flag bit 0: the rhythm data is a residual after reference beat subtraction. */
  referenceBeatSubtracted: boolean;
  leads: LeadDefinition[];
}

/** Section 3: lead count, flags, then 9 bytes per lead. */
export function parseSection3(data: Uint8Array): Section3 {
  if (data.length < 2) fail('Section 3 (lead definition) is too short');
  const count = data[0] ?? 0;
  const flags = data[1] ?? 0;
  if (count === 0) fail('Section 3 defines no leads');
  if (2 + 9 * count > data.length) fail(`Section 3 announces ${count} leads but holds ${Math.floor((data.length - 2) / 9)}`);
  const v = view(data);
  const leads: LeadDefinition[] = [];
  for (let i = 0; i < count; i++) {
    const at = 2 + 9 * i;
    const start = v.getUint32(at, true);
    const end = v.getUint32(at + 4, true);
    if (start < 1 || end < start) fail(`Section 3 lead ${i + 1} has sample range ${start}..${end}`);
    leads.push({ start, end, code: data[at + 8] ?? 0 });
  }
  return { referenceBeatSubtracted: (flags & 1) === 1, leads };
}

export interface EncodedData {
  /** Nanovolts per unit ("amplitude value multiplier"). */
  nanovoltsPerUnit: number;
  sampleIntervalMicros: number;
  differenceMode: number;
  /** Section 6 only; reserved (0) in Section 5. */
  bimodal: boolean;
  /** Each lead's encoded bytes, in Section 3 order. */
  leads: Uint8Array[];
}

/**
 * Sections 5 and 6 share a layout: u16 amplitude
 * multiplier (nV), u16 sample interval (µs), u8 difference mode, u8 bimodal
 * flag (Section 6) / reserved, u16 byte length per lead, then the lead data.
 */
export function parseEncodedData(section: Section, leadCount: number): EncodedData {
  const { data, id } = section;
  const head = 6 + 2 * leadCount;
  if (data.length < head) fail(`Section ${id} is too short for ${leadCount} leads`);
  const v = view(data);
  const leads: Uint8Array[] = [];
  let at = head;
  for (let i = 0; i < leadCount; i++) {
    const n = v.getUint16(6 + 2 * i, true);
    if (at + n > data.length) fail(`Section ${id} lead ${i + 1} data (${n} bytes) runs past the section end`);
    leads.push(data.subarray(at, at + n));
    at += n;
  }
  return {
    nanovoltsPerUnit: v.getUint16(0, true),
    sampleIntervalMicros: v.getUint16(2, true),
    differenceMode: data[4] ?? 0,
    bimodal: id === 6 && data[5] === 1,
    leads,
  };
}

export interface Section4 {
  /** Length of reference beat type 0 in ms and the 1-based sample of its fiducial. */
  referenceLengthMs: number;
  referenceFiducial: number;
  /** Per QRS: beat type, and the 1-based residual samples where subtraction starts, the fiducial, and ends. */
  beats: { type: number; start: number; fiducial: number; end: number }[];
}

/** Section 4: u16 reference length, u16 fiducial, u16 QRS count, then 14 bytes per QRS. */
export function parseSection4(data: Uint8Array): Section4 {
  if (data.length < 6) fail('Section 4 (QRS locations) is too short');
  const v = view(data);
  const count = v.getUint16(4, true);
  if (6 + 14 * count > data.length) fail(`Section 4 announces ${count} QRS complexes but is too short for them`);
  const beats: Section4['beats'] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + 14 * i;
    beats.push({
      type: v.getUint16(at, true),
      start: v.getUint32(at + 2, true),
      fiducial: v.getUint32(at + 6, true),
      end: v.getUint32(at + 10, true),
    });
  }
  return { referenceLengthMs: v.getUint16(0, true), referenceFiducial: v.getUint16(2, true), beats };
}
