/**
 * The OpenBCI Cyton's binary sample packet and its text banner.
 *
 * Source: OpenBCI Documentation, docs/02Cyton/03-Cyton_Data_Format.md
 * ("Binary Format", "Firmware Version 2.0.0", "Interpreting the EEG Data"):
 *   byte 1      0xA0 header
 *   byte 2      sample number, 0–255, wrapping
 *   bytes 3–26  8 channels × 24-bit two's complement, MSB first
 *   bytes 27–32 6 aux bytes, read as the footer says
 *   byte 33     footer 0xCX; X (0–F) tells how to read the aux bytes:
 *     C0 accelerometer X, Y, Z as int16 MSB first
 *     C1 raw aux, C2 user defined (6 opaque bytes)
 *     C3/C4 accel code byte ('X','x','Y','y','Z','z'), accel byte, then
 *           board time T3..T0 (uint32 ms, MSB first); C3 = the first
 *           packet after a time-sync '<' command
 *     C5/C6 2 raw aux bytes, then board time; C5 = after '<'
 * Scale: volts per count = 4.5 V / gain / (2^23 − 1), gain 24 by default.
 * After 'v' the board prints ASCII lines ending in "$$$" (section "Startup").
 */
import type { FixedFrameRule } from './fixed-framer.js';

export const CYTON_FRAME_LENGTH = 33;
export const CYTON_CHANNELS = 8;
export const CYTON_SAMPLE_RATE = 250;
export const CYTON_HEADER = 0xa0;
export const CYTON_DEFAULT_GAIN = 24;
/** ±full scale of a 24-bit two's complement count; the ADS1299 sits here when an input floats. */
export const CYTON_COUNT_MAX = 2 ** 23 - 1;
export const CYTON_COUNT_MIN = -(2 ** 23);

/** Microvolts per count at a PGA gain (4.5 V / gain / (2^23 − 1)). */
export function cytonMicrovoltsPerCount(gain = CYTON_DEFAULT_GAIN): number {
  return 4.5e6 / gain / CYTON_COUNT_MAX;
}

/** Counts per millivolt (EcgReading.unitsPerMv): about 44 739 at gain 24. */
export function cytonUnitsPerMv(gain = CYTON_DEFAULT_GAIN): number {
  return 1000 / cytonMicrovoltsPerCount(gain);
}

export const CYTON_RULE: FixedFrameRule = {
  length: CYTON_FRAME_LENGTH,
  markerLength: 1,
  accepts: (index, b) => (index === 0 ? b === CYTON_HEADER : index === CYTON_FRAME_LENGTH - 1 ? (b & 0xf0) === 0xc0 : true),
};

export interface CytonFrame {
  counter: number;
  channels: Int32Array;
  footer: number;
  aux: Uint8Array;
}

export type CytonAux =
  | { kind: 'accel'; x: number; y: number; z: number }
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'timestamp'; syncSet: boolean; boardMs: number; accelCode?: string; accelByte?: number; rawAux?: Uint8Array };

function int24(b: Uint8Array, at: number): number {
  const v = ((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number);
  return (v << 8) >> 8; // sign-extend bit 23
}

export function parseCytonFrame(p: Uint8Array): CytonFrame {
  const channels = new Int32Array(CYTON_CHANNELS);
  for (let c = 0; c < CYTON_CHANNELS; c++) channels[c] = int24(p, 2 + 3 * c);
  return { counter: p[1] as number, channels, footer: p[32] as number, aux: p.slice(26, 32) };
}

/** The aux bytes as the footer's low nibble says to read them. */
export function decodeCytonAux(footer: number, aux: Uint8Array): CytonAux {
  const v = new DataView(aux.buffer, aux.byteOffset, 6);
  switch (footer) {
    case 0xc0:
      return { kind: 'accel', x: v.getInt16(0), y: v.getInt16(2), z: v.getInt16(4) };
    case 0xc3:
    case 0xc4:
      return { kind: 'timestamp', syncSet: footer === 0xc3, boardMs: v.getUint32(2), accelCode: String.fromCharCode(aux[0] as number), accelByte: aux[1] as number };
    case 0xc5:
    case 0xc6:
      return { kind: 'timestamp', syncSet: footer === 0xc5, boardMs: v.getUint32(2), rawAux: aux.slice(0, 2) };
    default:
      return { kind: 'raw', bytes: aux.slice() };
  }
}

/** The packet a Cyton sends (for the emulator and tests); channel values are clamped to 24 bits. */
export function encodeCytonFrame(counter: number, channels: ArrayLike<number>, footer = 0xc0, aux: ArrayLike<number> = [0, 0, 0, 0, 0, 0]): Uint8Array {
  const p = new Uint8Array(CYTON_FRAME_LENGTH);
  p[0] = CYTON_HEADER;
  p[1] = counter & 0xff;
  for (let c = 0; c < CYTON_CHANNELS; c++) {
    const v = Math.max(CYTON_COUNT_MIN, Math.min(CYTON_COUNT_MAX, Math.round(channels[c] ?? 0)));
    p[2 + 3 * c] = (v >> 16) & 0xff;
    p[3 + 3 * c] = (v >> 8) & 0xff;
    p[4 + 3 * c] = v & 0xff;
  }
  for (let i = 0; i < 6; i++) p[26 + i] = (aux[i] ?? 0) & 0xff;
  p[32] = footer;
  return p;
}

export interface CytonBanner {
  /** False when the dongle answers for a board that is off ("Failure: ... $$$"). */
  ready: boolean;
  text: string;
  firmware?: string;
}

/** Reads the text the board sends after 'v' (everything up to and including "$$$"). */
export function parseCytonBanner(text: string): CytonBanner {
  const body = text.replace(/\$\$\$\s*$/, '').trim();
  const banner: CytonBanner = { ready: !/failure/i.test(body), text: body };
  const fw = /firmware:\s*(v[\d.]+)/i.exec(body);
  if (fw) banner.firmware = fw[1] as string;
  return banner;
}
