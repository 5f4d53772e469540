/**
 * Contec pulse oximeter protocol V7.0 (CMS50D+ / CMS50E firmware that talks
 * at 115200 8N1): the bytes of one package, without any stream state.
 *
 * Layout, from Contec's "Communication protocol of pulse oximeter V7.0"
 * (2010-07-08, §3.2 Table 1) and captures of real devices:
 *   byte 0: package type, bit 7 always 0 (the synchronisation bit);
 *   byte 1: "high byte", bit 7 always 1; its bit i is bit 7 of data byte i;
 *   bytes 2..: data bytes, bit 7 always 1 on the wire.
 * Host commands use the same framing with type 0x7D: 7D 81 <cmd> 80 80 ...
 * (9 bytes; 0x81 restores bit 7 of the command byte).
 */

export const V7_COMMAND_TYPE = 0x7d;

/** Command bytes, as sent by OSCAR's cms50f37 loader and seen in the headrotor/contec_data captures. */
export const V7_CMD = {
  getVersion: 0xa0,
  startRealtime: 0xa1,
  stopRealtime: 0xa2,
  stopStored: 0xa7,
  getModel: 0xa8,
  getVendor: 0xa9,
  getDeviceId: 0xaa,
  keepAlive: 0xaf,
} as const;

/** Package types the device sends, and what they carry. */
export const V7_TYPE = {
  realtime: 0x01,
  model: 0x02,
  vendor: 0x03,
  deviceId: 0x04,
  version: 0x06,
  ack: 0x0c,
} as const;

/**
 * Total package length (type + high byte + data) by type: the V7.0
 * package-types list (§3.3.1) as tabulated in OSCAR's cms50f37 loader, plus
 * 0x01 (realtime) at 9 bytes, as captured. Types not listed here are not V7
 * device packages: their bytes are junk to the decoder.
 */
export const V7_PACKET_LENGTH: ReadonlyMap<number, number> = new Map([
  [0x01, 9], [0x02, 9], [0x03, 9], [0x04, 9], [0x05, 9], [0x06, 4], [0x07, 8], [0x08, 8],
  [0x09, 6], [0x0a, 4], [0x0b, 4], [0x0c, 2], [0x0e, 3], [0x0f, 8], [0x10, 3], [0x11, 9],
  [0x12, 8], [0x13, 9], [0x14, 9],
]);

/** Builds one package: moves bit 7 of each data byte into the high byte, sets the sync bits. */
export function encodeV7(type: number, data: readonly number[]): Uint8Array {
  if (data.length > 7) throw new RangeError('a V7 package carries at most 7 data bytes');
  const out = new Uint8Array(2 + data.length);
  out[0] = type & 0x7f;
  let high = 0x80;
  data.forEach((d, i) => {
    if (d & 0x80) high |= 1 << i;
    out[2 + i] = (d & 0xff) | 0x80;
  });
  out[1] = high;
  return out;
}

/** The data bytes of a whole package with their real bit 7 put back from the high byte. */
export function restoreHighBits(packet: ArrayLike<number>): number[] {
  const high = packet[1] ?? 0;
  const data: number[] = [];
  for (let i = 2; i < packet.length; i++) {
    const bit7 = (high >> (i - 2)) & 1 ? 0x80 : 0;
    data.push(((packet[i] as number) & 0x7f) | bit7);
  }
  return data;
}

/** A host command: 7D 81 <cmd> then zero data bytes (0x80 on the wire) to 9 bytes. */
export function v7Command(cmd: number, args: readonly number[] = []): Uint8Array {
  const data = [cmd, ...args];
  while (data.length < 7) data.push(0);
  return encodeV7(V7_COMMAND_TYPE, data);
}

/**
 * Realtime package (type 0x01), V7.0 §3.3.2.1 Table 3 as implemented by the
 * public cms50dplus readers, data bytes:
 *   d0: bits 0-3 signal strength, bit 4 searching too long, bit 5 SpO2 dropping,
 *       bit 6 pulse beep, bit 7 probe error (finger out / probe unplugged);
 *   d1: bits 0-6 pleth, bit 7 searching for a pulse;
 *   d2: bits 0-3 bar graph, bit 4 PI supported;
 *   d3: pulse rate in bpm (0xFF = invalid);  d4: SpO2 in % (0x7F = invalid);
 *   d5, d6: perfusion index little-endian (0xFFFF = invalid).
 */
export interface V7Realtime {
  signalStrength: number;
  searchingTooLong: boolean;
  spo2Dropping: boolean;
  pulseBeep: boolean;
  probeError: boolean;
  pleth: number;
  searchingPulse: boolean;
  bar: number;
  piSupported: boolean;
  /** Raw fields, invalid markers included. */
  pulse: number;
  spo2: number;
  pi: number;
}

export const V7_PULSE_INVALID = 0xff;
export const V7_SPO2_INVALID = 0x7f;
export const V7_PI_INVALID = 0xffff;

export function parseRealtime(d: readonly number[]): V7Realtime {
  const at = (i: number): number => d[i] ?? 0;
  return {
    signalStrength: at(0) & 0x0f,
    searchingTooLong: (at(0) & 0x10) !== 0,
    spo2Dropping: (at(0) & 0x20) !== 0,
    pulseBeep: (at(0) & 0x40) !== 0,
    probeError: (at(0) & 0x80) !== 0,
    pleth: at(1) & 0x7f,
    searchingPulse: (at(1) & 0x80) !== 0,
    bar: at(2) & 0x0f,
    piSupported: (at(2) & 0x10) !== 0,
    pulse: at(3),
    spo2: at(4),
    pi: at(5) | (at(6) << 8),
  };
}

export function encodeRealtime(r: V7Realtime): Uint8Array {
  const d0 = (r.signalStrength & 0x0f) | flag(r.searchingTooLong, 0x10) | flag(r.spo2Dropping, 0x20) | flag(r.pulseBeep, 0x40) | flag(r.probeError, 0x80);
  const d1 = (r.pleth & 0x7f) | flag(r.searchingPulse, 0x80);
  const d2 = (r.bar & 0x0f) | flag(r.piSupported, 0x10);
  return encodeV7(V7_TYPE.realtime, [d0, d1, d2, r.pulse & 0xff, r.spo2 & 0xff, r.pi & 0xff, (r.pi >> 8) & 0xff]);
}

const flag = (on: boolean, bit: number): number => (on ? bit : 0);

/**
 * Values the device cannot mean. CMS50D+/CMS50E spec sheets: pulse rate
 * 25–250 bpm, SpO2 0–100 %. We read the perfusion index as 0.01 % steps
 * (raw 350 = 3.50 %; the captures we have only show 0xFFFF, so the scale
 * is unconfirmed); PI is a share of the DC signal, so more than 100 % is
 * impossible. 0 is how the device says "no value yet" for pulse/SpO2.
 */
export function realtimeInRange(r: V7Realtime): boolean {
  const pulseOk = r.pulse === V7_PULSE_INVALID || r.pulse === 0 || (r.pulse >= 25 && r.pulse <= 250);
  const spo2Ok = r.spo2 === V7_SPO2_INVALID || r.spo2 <= 100;
  const piOk = r.pi === V7_PI_INVALID || r.pi <= 10_000;
  return pulseOk && spo2Ok && piOk;
}

/** Printable ASCII (or NUL padding) in a string package; anything else is line noise. */
export function asciiField(bytes: readonly number[]): string | undefined {
  if (bytes.some((b) => b !== 0 && (b < 0x20 || b > 0x7e))) return undefined;
  return String.fromCharCode(...bytes.filter((b) => b !== 0)).trim();
}
