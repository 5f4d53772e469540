/**
 * Contec CMS50D+ / CMS50E pulse oximeter, protocol V7.0 (115200 8N1).
 * The decoder frames packages by their sync bits (a byte with bit 7 clear
 * always starts a package, see contec-cms50-v7-frames.ts), so after any
 * corruption it is back in step at the next package. The session starts the
 * realtime stream and keeps it alive: the device stops streaming when the
 * host goes quiet, so hosts repeat 7D 81 AF every few seconds (every 5 s in
 * the cms50dplus reader; "sent periodically by host" in the headrotor
 * captures).
 */
import type { DeviceInfoReading, OximetryReading, PlethReading, Reading } from './readings.js';
import { DecoderCounters, type DecoderStats, type DeviceProtocol, type DeviceSession, type StreamDecoder } from './stream-decoder.js';
import {
  V7_CMD,
  V7_PACKET_LENGTH,
  V7_PI_INVALID,
  V7_PULSE_INVALID,
  V7_SPO2_INVALID,
  V7_TYPE,
  asciiField,
  parseRealtime,
  realtimeInRange,
  restoreHighBits,
  v7Command,
  type V7Realtime,
} from './contec-cms50-v7-frames.js';

/** Realtime packages per second (60/s measured on CMS50E, titinho11/CMS50E-raw-ppg-data). */
export const V7_PLETH_HZ = 60;
/** Numerics are re-sent at least this often (in packages) even when unchanged: once a second. */
const NUMERICS_EVERY = V7_PLETH_HZ;

export class ContecV7Decoder implements StreamDecoder {
  private readonly counters = new DecoderCounters();
  private packet: number[] = [];
  private expected = 0;
  private synced = false;
  private pleth: number[] = [];
  private lastNumerics: string | undefined;
  private sinceNumerics = 0;
  private modelHead: string | undefined;

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
    if (this.packet.length > 0) this.counters.droppedBytes += this.packet.length;
    this.packet = [];
    this.synced = false;
    this.pleth = [];
    this.lastNumerics = undefined;
    this.modelHead = undefined;
  }

  private byte(b: number, out: Reading[]): void {
    if ((b & 0x80) === 0) {
      // A type byte: whatever was being collected was cut short.
      if (this.packet.length > 0) this.drop(this.packet.length);
      this.packet = [];
      const length = V7_PACKET_LENGTH.get(b);
      if (length === undefined) return this.drop(1);
      this.packet.push(b);
      this.expected = length;
      return;
    }
    if (this.packet.length === 0) return this.drop(1);
    this.packet.push(b);
    if (this.packet.length < this.expected) return;
    const packet = this.packet;
    this.packet = [];
    this.synced = true;
    if (this.decode(packet, out)) this.counters.frames++;
    else {
      this.counters.badFrames++;
      this.counters.droppedBytes += packet.length;
    }
  }

  private drop(n: number): void {
    this.counters.droppedBytes += n;
    if (this.synced) {
      this.synced = false;
      this.counters.resyncs++;
    }
  }

  /** False = a bad frame (values out of range, garbage in a string). */
  private decode(packet: number[], out: Reading[]): boolean {
    const type = packet[0] as number;
    const data = restoreHighBits(packet);
    switch (type) {
      case V7_TYPE.realtime:
        return this.realtime(parseRealtime(data), out);
      case V7_TYPE.model:
        return this.model(data, out);
      case V7_TYPE.vendor:
        return this.info(out, 'vendor', asciiField(data));
      case V7_TYPE.deviceId:
        return this.info(out, 'deviceId', asciiField(data));
      case V7_TYPE.version:
        return this.info(out, 'protocolVersion', ((data[0] ?? 0) << 8) | (data[1] ?? 0));
      default:
        return true; // well framed, nothing we need (acks, stored-data packages)
    }
  }

  private realtime(r: V7Realtime, out: Reading[]): boolean {
    if (!realtimeInRange(r)) return false;
    this.pleth.push(r.pleth);
    const reading = toOximetry(r);
    const key = `${reading.spo2}|${reading.pulseBpm}|${reading.perfusionIndex}|${reading.fingerOut}|${reading.searching}`;
    this.sinceNumerics++;
    if (key !== this.lastNumerics || this.sinceNumerics >= NUMERICS_EVERY) {
      this.flushPleth(out);
      out.push(reading);
      this.lastNumerics = key;
      this.sinceNumerics = 0;
    }
    return true;
  }

  /** The model name comes in two packages: segment 0 then a continuation (OSCAR cms50f37 loader). */
  private model(data: number[], out: Reading[]): boolean {
    const text = asciiField(data.slice(1));
    if (text === undefined) return false;
    if (data[0] === 0) {
      this.modelHead = text;
      return true;
    }
    const model = `${this.modelHead ?? ''}${text}`;
    this.modelHead = undefined;
    return this.info(out, 'model', model);
  }

  private info(out: Reading[], key: string, value: string | number | undefined): boolean {
    if (value === undefined) return false;
    const reading: DeviceInfoReading = { kind: 'deviceInfo', info: { [key]: value } };
    out.push(reading);
    return true;
  }

  private flushPleth(out: Reading[]): void {
    if (this.pleth.length === 0) return;
    const reading: PlethReading = { kind: 'pleth', samplingFrequency: V7_PLETH_HZ, values: this.pleth };
    out.push(reading);
    this.pleth = [];
  }
}

/** Device flags to meaning: while the probe is off or a pulse is being searched for, numbers are not valid. */
function toOximetry(r: V7Realtime): OximetryReading {
  const searching = r.searchingPulse || r.searchingTooLong;
  const unusable = r.probeError || searching;
  const valid = (v: number, invalid: number): boolean => !unusable && v !== invalid && v !== 0;
  return {
    kind: 'oximetry',
    spo2: valid(r.spo2, V7_SPO2_INVALID) ? r.spo2 : null,
    pulseBpm: valid(r.pulse, V7_PULSE_INVALID) ? r.pulse : null,
    perfusionIndex: !unusable && r.pi !== V7_PI_INVALID ? r.pi / 100 : null,
    signalStrength: r.signalStrength,
    fingerOut: r.probeError,
    searching,
  };
}

export interface ContecV7SessionOptions {
  /** How often the host repeats the keep-alive command. The device gives up after about 10 s of silence. */
  keepAliveMs?: number;
  /** Ask for the stream again when no package has arrived for this long (the device may have stopped). */
  restartAfterMs?: number;
}

export class ContecV7Session implements DeviceSession {
  readonly decoder = new ContecV7Decoder();
  private readonly keepAliveMs: number;
  private readonly restartAfterMs: number;
  private lastKeepAliveAt: number | undefined;
  private lastFrames = -1;
  private lastProgressAt: number | undefined;

  constructor(opts: ContecV7SessionOptions = {}) {
    this.keepAliveMs = opts.keepAliveMs ?? 5000;
    this.restartAfterMs = opts.restartAfterMs ?? 3000;
  }

  /** Ask who it is (the answer arrives as deviceInfo readings), then start the realtime stream. */
  open(): Uint8Array[] {
    this.decoder.reset();
    this.lastKeepAliveAt = undefined;
    this.lastProgressAt = undefined;
    return [v7Command(V7_CMD.getModel), v7Command(V7_CMD.startRealtime)];
  }

  onReadings(): Uint8Array[] {
    return [];
  }

  tick(nowMs: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const frames = this.decoder.stats().frames;
    if (frames !== this.lastFrames || this.lastProgressAt === undefined) {
      this.lastFrames = frames;
      this.lastProgressAt = nowMs;
    } else if (nowMs - this.lastProgressAt >= this.restartAfterMs) {
      out.push(v7Command(V7_CMD.startRealtime));
      this.lastProgressAt = nowMs;
    }
    if (this.lastKeepAliveAt === undefined) this.lastKeepAliveAt = nowMs;
    else if (nowMs - this.lastKeepAliveAt >= this.keepAliveMs) {
      out.push(v7Command(V7_CMD.keepAlive));
      this.lastKeepAliveAt = nowMs;
    }
    return out;
  }

  close(): Uint8Array[] {
    return [v7Command(V7_CMD.stopRealtime)];
  }
}

export const contecCms50V7: DeviceProtocol = {
  id: 'contec-cms50-v7',
  label: 'Contec CMS50D+/CMS50E pulse oximeter (protocol V7.0)',
  serial: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 },
  createSession: () => new ContecV7Session(),
};
