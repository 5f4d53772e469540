/**
 * Contec CMS50 family, the older realtime stream (CMS50D+ firmware 4.x,
 * CMS50E, CMS-P): the device sends 5-byte packages about 60 times a second
 * as soon as it is on, and needs no command. Factory settings 19200 8O1
 * (as used by the cms50dplus tools); some units run at 4800 — a port's
 * config may override.
 *
 * Package (Contec's Chinese manual as translated on the PICBASIC forum,
 * thread 11311; same bits in atbrask/CMS50Dplus):
 *   b0: bit 7 = 1 (sync); bit 6 pulse beep; bit 5 SpO2 dropping;
 *       bit 4 searching too long; bits 0-3 signal strength;
 *   b1: bit 7 = 0; bits 0-6 pleth;
 *   b2: bit 7 = 0; bit 6 pulse rate bit 7; bit 5 searching for a pulse;
 *       bit 4 probe error (finger out); bits 0-3 bar graph;
 *   b3: bit 7 = 0; pulse rate bits 0-6 (pulse 0xFF = invalid);
 *   b4: bit 7 = 0; SpO2 (127 = invalid).
 */
import type { OximetryReading, PlethReading, Reading } from './readings.js';
import { DecoderCounters, ListenOnlySession, type DecoderStats, type DeviceProtocol, type StreamDecoder } from './stream-decoder.js';

export const LEGACY_PACKET_LENGTH = 5;
export const LEGACY_PLETH_HZ = 60;
const NUMERICS_EVERY = LEGACY_PLETH_HZ;
const PULSE_INVALID = 0xff;
const SPO2_INVALID = 0x7f;

export interface LegacyPacket {
  signalStrength: number;
  searchingTooLong: boolean;
  spo2Dropping: boolean;
  pulseBeep: boolean;
  pleth: number;
  bar: number;
  probeError: boolean;
  searchingPulse: boolean;
  /** Raw, invalid markers included. */
  pulse: number;
  spo2: number;
}

export function encodeLegacy(p: LegacyPacket): Uint8Array {
  const f = (on: boolean, bit: number): number => (on ? bit : 0);
  return Uint8Array.from([
    0x80 | f(p.pulseBeep, 0x40) | f(p.spo2Dropping, 0x20) | f(p.searchingTooLong, 0x10) | (p.signalStrength & 0x0f),
    p.pleth & 0x7f,
    ((p.pulse & 0x80) >> 1) | f(p.searchingPulse, 0x20) | f(p.probeError, 0x10) | (p.bar & 0x0f),
    p.pulse & 0x7f,
    p.spo2 & 0x7f,
  ]);
}

export function parseLegacy(b: readonly number[]): LegacyPacket {
  const at = (i: number): number => b[i] ?? 0;
  return {
    signalStrength: at(0) & 0x0f,
    searchingTooLong: (at(0) & 0x10) !== 0,
    spo2Dropping: (at(0) & 0x20) !== 0,
    pulseBeep: (at(0) & 0x40) !== 0,
    pleth: at(1) & 0x7f,
    bar: at(2) & 0x0f,
    probeError: (at(2) & 0x10) !== 0,
    searchingPulse: (at(2) & 0x20) !== 0,
    pulse: ((at(2) & 0x40) << 1) | (at(3) & 0x7f),
    spo2: at(4) & 0x7f,
  };
}

/** Spec-sheet ranges (pulse 25–250 bpm, SpO2 0–100 %); 0 means "no value yet". */
function inRange(p: LegacyPacket): boolean {
  const pulseOk = p.pulse === PULSE_INVALID || p.pulse === 0 || (p.pulse >= 25 && p.pulse <= 250);
  const spo2Ok = p.spo2 === SPO2_INVALID || p.spo2 <= 100;
  return pulseOk && spo2Ok;
}

export class ContecLegacyDecoder implements StreamDecoder {
  private readonly counters = new DecoderCounters();
  private packet: number[] = [];
  private synced = false;
  private pleth: number[] = [];
  private lastNumerics: string | undefined;
  private sinceNumerics = 0;

  push(bytes: Uint8Array): Reading[] {
    const out: Reading[] = [];
    for (const b of bytes) this.byte(b, out);
    this.flushPleth(out);
    return out;
  }

  stats(): Readonly<DecoderStats> {
    return this.counters.snapshot();
  }

  reset(): void {
    this.counters.droppedBytes += this.packet.length;
    this.packet = [];
    this.synced = false;
    this.pleth = [];
    this.lastNumerics = undefined;
  }

  private byte(b: number, out: Reading[]): void {
    if (b & 0x80) {
      // Sync byte: a package starts here, whatever was half collected is lost.
      if (this.packet.length > 0) this.drop(this.packet.length);
      this.packet = [b];
      return;
    }
    if (this.packet.length === 0) return this.drop(1);
    this.packet.push(b);
    if (this.packet.length < LEGACY_PACKET_LENGTH) return;
    const p = parseLegacy(this.packet);
    this.synced = true;
    if (inRange(p)) {
      this.counters.frames++;
      this.emit(p, out);
    } else {
      this.counters.badFrames++;
      this.counters.droppedBytes += LEGACY_PACKET_LENGTH;
    }
    this.packet = [];
  }

  private drop(n: number): void {
    this.counters.droppedBytes += n;
    if (this.synced) {
      this.synced = false;
      this.counters.resyncs++;
    }
  }

  private emit(p: LegacyPacket, out: Reading[]): void {
    this.pleth.push(p.pleth);
    const reading = toOximetry(p);
    const key = `${reading.spo2}|${reading.pulseBpm}|${reading.fingerOut}|${reading.searching}`;
    this.sinceNumerics++;
    if (key === this.lastNumerics && this.sinceNumerics < NUMERICS_EVERY) return;
    this.flushPleth(out);
    out.push(reading);
    this.lastNumerics = key;
    this.sinceNumerics = 0;
  }

  private flushPleth(out: Reading[]): void {
    if (this.pleth.length === 0) return;
    const reading: PlethReading = { kind: 'pleth', samplingFrequency: LEGACY_PLETH_HZ, values: this.pleth };
    out.push(reading);
    this.pleth = [];
  }
}

function toOximetry(p: LegacyPacket): OximetryReading {
  const searching = p.searchingPulse || p.searchingTooLong;
  const unusable = p.probeError || searching;
  return {
    kind: 'oximetry',
    spo2: !unusable && p.spo2 !== SPO2_INVALID && p.spo2 !== 0 ? p.spo2 : null,
    pulseBpm: !unusable && p.pulse !== PULSE_INVALID && p.pulse !== 0 ? p.pulse : null,
    perfusionIndex: null, // this protocol has none
    signalStrength: p.signalStrength,
    fingerOut: p.probeError,
    searching,
  };
}

export const contecCms50Legacy: DeviceProtocol = {
  id: 'contec-cms50-legacy',
  label: 'Contec CMS50D+/CMS50E pulse oximeter (legacy 5-byte stream)',
  serial: { baudRate: 19200, dataBits: 8, parity: 'odd', stopBits: 1 },
  // The legacy device streams unasked and ignores the host.
  createSession: () => new ListenOnlySession(new ContecLegacyDecoder()),
};
