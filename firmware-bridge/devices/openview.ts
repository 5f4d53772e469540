/**
 * Decoder and session for the ProtoCentral HealthyPi v3 HAT (OpenView packet
 * format, openview-packet.ts): single-lead ECG, respiration, PPG and the slow
 * vitals the board computes itself. The HAT streams from power-on and takes
 * no commands, so the session writes nothing.
 */
import { EcgBatcher } from './ecg-batch.js';
import { FixedFramer } from './fixed-framer.js';
import {
  LEAD_STATUS_ECG_OFF,
  LEAD_STATUS_SPO2_OFF,
  OPENVIEW_RULE,
  OPENVIEW_SAMPLE_RATE,
  OPENVIEW_SPO2_INVALID,
  parseOpenViewPacket,
  type OpenViewSample,
} from './openview-packet.js';
import type { Reading, VitalsReading } from './readings.js';
import { DecoderCounters, ListenOnlySession, type DecoderStats, type DeviceProtocol, type StreamDecoder } from './stream-decoder.js';

/**
 * ECG units per millivolt. ADS1291/2/2R datasheet (TI SBAS502): 1 LSB =
 * (2·VREF/gain)/2^24. The firmware writes CONFIG2 = 0b11100000 (VREF_4V set:
 * VREF = 4.033 V) and CH2SET = 0b01100000 (PGA code 110: gain 12; its comment
 * "gain 6" is wrong). It keeps the top 16 of the 24 bits (>> 8), and
 * ECG_ProcessCurrSample() divides by 4 (>> 2) after a DC-removing IIR, then
 * applies a 161-tap low-pass FIR whose taps sum to 32758/32768 (unity gain).
 * So one unit is 1024 ADC codes: about 24.4 units/mV, 41 µV per unit.
 */
export const HEALTHYPI_ECG_UNITS_PER_MV = (12 * 2 ** 23) / 4.033 / 1000 / 1024;

/**
 * The HAT's electrodes go red on the right chest, blue on the left, black
 * (right-leg drive) low on the right (docs/index.md, "ECG Electrodes"): a
 * right-to-left vector, the chest equivalent of lead I.
 */
export const HEALTHYPI_DEFAULT_LEAD = 'I';

/** Vitals are sent again at least this often (frames) even when unchanged: 1 s. */
const VITALS_REFRESH_FRAMES = OPENVIEW_SAMPLE_RATE;

export interface OpenViewOptions {
  /** Name of the recorded lead; a port's config may say how the electrodes were placed. */
  lead?: string;
}

/** The numerics of one packet; null where the board says the value is invalid. */
export function openViewVitals(s: OpenViewSample): VitalsReading {
  const ecgOff = (s.leadStatus & LEAD_STATUS_ECG_OFF) !== 0;
  const spo2Off = (s.leadStatus & LEAD_STATUS_SPO2_OFF) !== 0;
  const spo2Valid = !spo2Off && s.spo2 !== OPENVIEW_SPO2_INVALID && s.spo2 > 0 && s.spo2 <= 100;
  return {
    kind: 'vitals',
    heartRateBpm: ecgOff || s.heartRate === 0 ? null : s.heartRate,
    respirationRate: ecgOff || s.respirationRate === 0 ? null : s.respirationRate,
    // 0 is what getTemperature() gives when the MAX30205 does not answer.
    temperatureC: s.temperatureCenti === 0 ? null : s.temperatureCenti / 100,
    spo2: spo2Valid ? s.spo2 : null,
  };
}

function sameVitals(a: VitalsReading, b: VitalsReading): boolean {
  return a.heartRateBpm === b.heartRateBpm && a.respirationRate === b.respirationRate && a.temperatureC === b.temperatureC && a.spo2 === b.spo2;
}

export class OpenViewDecoder implements StreamDecoder {
  readonly lead: string;
  private readonly counters = new DecoderCounters();
  private readonly framer: FixedFramer;
  private readonly ecg: EcgBatcher;
  private respiration: number[] = [];
  private pleth: number[] = [];
  private vitals: VitalsReading[] = [];
  private lastVitals: VitalsReading | undefined;
  private framesSinceVitals = 0;

  constructor(opts: OpenViewOptions = {}) {
    this.lead = opts.lead ?? HEALTHYPI_DEFAULT_LEAD;
    this.ecg = new EcgBatcher({ samplingFrequency: OPENVIEW_SAMPLE_RATE, leads: [this.lead], unitsPerMv: HEALTHYPI_ECG_UNITS_PER_MV, baseline: 0 });
    this.framer = new FixedFramer(OPENVIEW_RULE, this.counters, { frame: (p) => this.onPacket(parseOpenViewPacket(p)) });
  }

  push(bytes: Uint8Array): Reading[] {
    this.framer.push(bytes);
    const out: Reading[] = this.ecg.take();
    if (this.respiration.length > 0) out.push({ kind: 'respiration', samplingFrequency: OPENVIEW_SAMPLE_RATE, values: this.respiration });
    // The ProtoCentral GUI plots IR as the pleth; red only feeds the board's own SpO2.
    if (this.pleth.length > 0) out.push({ kind: 'pleth', samplingFrequency: OPENVIEW_SAMPLE_RATE, values: this.pleth });
    out.push(...this.vitals);
    this.respiration = [];
    this.pleth = [];
    this.vitals = [];
    return out;
  }

  stats(): Readonly<DecoderStats> {
    return this.counters.snapshot();
  }

  reset(): void {
    this.framer.reset();
  }

  private onPacket(s: OpenViewSample): boolean {
    const off = (s.leadStatus & LEAD_STATUS_ECG_OFF) !== 0;
    this.ecg.add([s.ecg], off ? [this.lead] : [], 0);
    this.respiration.push(s.respiration);
    this.pleth.push(s.ppgIr);
    const v = openViewVitals(s);
    this.framesSinceVitals++;
    if (!this.lastVitals || !sameVitals(v, this.lastVitals) || this.framesSinceVitals >= VITALS_REFRESH_FRAMES) {
      this.vitals.push(v);
      this.lastVitals = v;
      this.framesSinceVitals = 0;
    }
    return true;
  }
}

/**
 * 115200 8N1: what the ProtoCentral GUI opens /dev/ttyAMA0 with
 * (gui/healthypi3_gui/healthypi3_gui.pde, startSerial). Note that
 * healthypi3_streaming.ino starts its Pi UART (RpiSerial) at 57600; on a HAT
 * with that build the port's config must set baudRate 57600. Over USB
 * (SerialUSB, a CDC port) the rate does not matter.
 */
export function createOpenViewProtocol(opts: OpenViewOptions = {}): DeviceProtocol {
  return {
    id: 'openview',
    label: 'ProtoCentral HealthyPi v3 (OpenView packets: ECG, respiration, PPG, vitals)',
    serial: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 },
    // The HAT streams on its own; nothing to write, ever.
    createSession: () => new ListenOnlySession(new OpenViewDecoder(opts)),
  };
}

export const openViewProtocol: DeviceProtocol = createOpenViewProtocol();
