/**
 * Test-only ECG90A writer, laid out as Rigacci's reverse engineering
 * documents it (rigacci.org wiki "Contec ECG90A Electrocardiograph - ECG File
 * Format"): 43-byte header, frames of 8 × u16 LE (II, III, V1..V6), 37-byte footer.
 */
import { CONTEC_FOOTER, CONTEC_HEADER } from '../../../firmware-bridge/ecg/contec-ecg90a.js';

export interface ContecFields {
  caseName?: string;
  timestamp?: string;
  name?: string;
  sex?: number;
  age?: number;
  weight?: number;
}

/** `endMarker` adds the frame of zeros that ends the data, followed by junk frames a reader must ignore. */
export function contecFile(frames: number[][], f: ContecFields = {}, endMarker = false): Uint8Array {
  const header = new Uint8Array(CONTEC_HEADER);
  header.set(Buffer.from(f.caseName ?? '0000011', 'latin1').subarray(0, 7), 0);
  header.set(Buffer.from(f.timestamp ?? '2020-11-12 18:09:05', 'latin1').subarray(0, 19), 10);
  header.set(Buffer.from(f.name ?? 'ROSA', 'latin1').subarray(0, 7), 32);
  header[40] = f.sex ?? 0;
  header[41] = f.age ?? 0;
  header[42] = f.weight ?? 0;
  // After an end frame of zeros, whatever follows is not data (here: two frames of junk).
  const rows = endMarker ? [...frames, new Array<number>(8).fill(0), new Array<number>(8).fill(0x1234), new Array<number>(8).fill(7)] : frames;
  const body = Buffer.alloc(16 * rows.length);
  rows.forEach((row, i) => row.forEach((v, k) => body.writeUInt16LE(v, 16 * i + 2 * k)));
  return Buffer.concat([header, body, Buffer.alloc(CONTEC_FOOTER, 0xa5)]);
}

