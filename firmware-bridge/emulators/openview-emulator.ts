/**
 * A HealthyPi v3 HAT on a bench: streams OpenView data packets at 125 Hz from
 * power-on and takes no commands. The ECG is a real recording (RecordSource,
 * e.g. LUDB 500 Hz taken every fourth sample) scaled to the HAT's units;
 * respiration, PPG and the numerics are synthetic but shaped like the
 * firmware's: heart rate 0 until its QRS detector has two seconds of signal,
 * SpO2 "invalid" (25) until its estimator has filled four seconds.
 */
import type { WfdbHeader, WfdbSamples } from '../ecg/wfdb.js';
import { LEAD_STATUS_ECG_OFF, OPENVIEW_SAMPLE_RATE, OPENVIEW_SPO2_INVALID, encodeOpenViewPacket } from '../devices/openview-packet.js';
import { HEALTHYPI_DEFAULT_LEAD, HEALTHYPI_ECG_UNITS_PER_MV } from '../devices/openview.js';
import type { DeviceEmulator, EmulatorFault } from './device-emulator.js';
import { SampleClock, concat, randomBytes, splice, xorshift32 } from './emulator-clock.js';
import { LUDB_UNITS_PER_MV, requireLeads } from './openbci-cyton-emulator.js';
import { RecordSource } from './record-source.js';

export interface OpenViewVitals {
  heartRateBpm: number;
  respirationRate: number;
  spo2: number;
  temperatureC: number;
}

/** LUDB record 1 is a sinus bradycardia: R–R about 655 samples at 500 Hz, 46 bpm. */
const DEFAULT_VITALS: OpenViewVitals = { heartRateBpm: 46, respirationRate: 14, spo2: 97, temperatureC: 36.6 };
/** healthypi3_streaming.ino: TWO_SEC_SAMPLES before the first QRS threshold; 100 samples at 25 Hz before the first SpO2. */
const HR_WARM_UP = 2 * OPENVIEW_SAMPLE_RATE;
const SPO2_WARM_UP = 4 * OPENVIEW_SAMPLE_RATE;

export interface OpenViewEmulatorOptions {
  /** One lead at 125 Hz. */
  source: RecordSource;
  /** The source's ADC units per mV, to scale it to the HAT's units. */
  sourceUnitsPerMv: number;
  vitals?: Partial<OpenViewVitals>;
  seed?: number;
}

const int16 = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));

/** A PPG beat: fast systolic rise, slower fall (phase 0–1). */
function pulse(phase: number): number {
  return phase < 0.15 ? Math.sin((phase / 0.15) * (Math.PI / 2)) : Math.exp(-(phase - 0.15) * 4);
}

export class OpenViewEmulator implements DeviceEmulator {
  readonly protocol = 'openview' as const;
  readonly source: RecordSource;
  readonly vitals: OpenViewVitals;
  private readonly scale: number;
  private readonly clock = new SampleClock(OPENVIEW_SAMPLE_RATE);
  private readonly random: () => number;
  private frame = 0;
  private leadOff = false;
  private noise: Uint8Array[] = [];

  constructor(opts: OpenViewEmulatorOptions) {
    if (opts.source.leadNames.length !== 1) throw new RangeError('the HealthyPi records one ECG lead');
    if (opts.source.samplingFrequency !== OPENVIEW_SAMPLE_RATE) throw new RangeError(`the source must play at ${OPENVIEW_SAMPLE_RATE} Hz`);
    this.source = opts.source;
    this.vitals = { ...DEFAULT_VITALS, ...opts.vitals };
    this.scale = HEALTHYPI_ECG_UNITS_PER_MV / opts.sourceUnitsPerMv;
    this.random = xorshift32(opts.seed ?? 1);
  }

  /** What the HAT sends for a source sample: the same millivolts in its own units. */
  ecgUnits(sourceSample: number): number {
    return int16(sourceSample * this.scale);
  }

  advance(ms: number): Uint8Array {
    const n = this.clock.advance(ms);
    const packets: Uint8Array[] = [];
    for (let i = 0; i < n; i++) packets.push(this.nextPacket());
    let out = concat(packets);
    for (const noise of this.noise) out = splice(out, noise, this.random() / 2 ** 32);
    this.noise = [];
    return out;
  }

  /** The streaming firmware reads nothing from its UART. */
  receive(_bytes: Uint8Array): Uint8Array {
    return new Uint8Array(0);
  }

  inject(fault: EmulatorFault): void {
    if (fault.kind === 'noise') this.noise.push(randomBytes(this.random, fault.bytes));
    else this.leadOff = fault.kind === 'leadOff';
  }

  private nextPacket(): Uint8Array {
    const v = this.vitals;
    const t = this.frame / OPENVIEW_SAMPLE_RATE;
    const [ecg] = this.source.next() as [number];
    const beat = pulse((t * v.heartRateBpm) / 60 % 1);
    const off = this.leadOff;
    const packet = encodeOpenViewPacket({
      // loop(): ECG and respiration go out as 0 while the leads are off.
      ecg: off ? 0 : this.ecgUnits(ecg),
      respiration: off ? 0 : int16(1500 * Math.sin((2 * Math.PI * t * v.respirationRate) / 60)),
      ppgIr: Math.round((100000 + 1200 * beat) * 1024), // IR goes out unshifted (ADC << 10)
      ppgRed: Math.round(80000 + 900 * beat),
      temperatureCenti: Math.round(v.temperatureC * 100),
      respirationRate: off || this.frame < HR_WARM_UP ? 0 : v.respirationRate,
      spo2: this.frame < SPO2_WARM_UP ? OPENVIEW_SPO2_INVALID : v.spo2,
      heartRate: off || this.frame < HR_WARM_UP ? 0 : v.heartRateBpm,
      leadStatus: off ? LEAD_STATUS_ECG_OFF : 0,
    });
    this.frame++;
    return packet;
  }
}

/**
 * A HAT playing one lead of a WFDB record (lead I by default; LUDB 500 Hz →
 * every fourth sample). The source scale defaults to LUDB's (see
 * LUDB_UNITS_PER_MV: that header's per-lead gains are not calibrations).
 */
export function openViewEmulatorFromWfdb(
  record: { header: WfdbHeader; signals: WfdbSamples[] },
  opts: { lead?: string; sourceUnitsPerMv?: number; seed?: number; vitals?: Partial<OpenViewVitals> } = {},
): OpenViewEmulator {
  const { header, signals } = record;
  const leads = header.signals.map((s, i) => ({ name: s.description, samples: signals[i]! }));
  const lead = opts.lead ?? HEALTHYPI_DEFAULT_LEAD;
  requireLeads(header, [lead], 'a HealthyPi emulator');
  const source = new RecordSource({ samplingFrequency: header.samplingFrequency, leads }, OPENVIEW_SAMPLE_RATE, [lead]);
  const o: OpenViewEmulatorOptions = { source, sourceUnitsPerMv: opts.sourceUnitsPerMv ?? LUDB_UNITS_PER_MV };
  if (opts.seed !== undefined) o.seed = opts.seed;
  if (opts.vitals) o.vitals = opts.vitals;
  return new OpenViewEmulator(o);
}
