/**
 * An OpenBCI Cyton on a bench: answers 'v' with its banner, streams 33-byte
 * packets at 250 Hz after 'b', stops on 's' (Cyton_Data_Format.md). The eight
 * channels play a real recording (RecordSource), every sample multiplied by
 * one whole number of Cyton counts per source unit, so a capture divided by
 * that number gives back the source samples exactly.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { WfdbHeader, WfdbSamples } from '../ecg/wfdb.js';
import {
  CYTON_CHANNELS,
  CYTON_COUNT_MAX,
  CYTON_DEFAULT_GAIN,
  CYTON_SAMPLE_RATE,
  cytonUnitsPerMv,
  encodeCytonFrame,
} from '../devices/openbci-cyton-frames.js';
import { CYTON_DEFAULT_MONTAGE } from '../devices/openbci-cyton.js';
import type { DeviceEmulator, EmulatorFault } from './device-emulator.js';
import { SampleClock, concat, randomBytes, splice, xorshift32 } from './emulator-clock.js';
import { RecordSource } from './record-source.js';

/** What a Cyton prints after 'v' (board, chip ids, firmware, then "$$$"). */
export const CYTON_EMULATOR_BANNER = 'OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$';

/** One g in accelerometer counts (Cyton_Data_Format.md: 0.002 / 2^4 g per count). */
const ONE_G = 8000;

/**
 * The scale of LUDB's samples. /work/shared/data/ecg/ludb/1.hea gives every
 * lead its own "gain", but each of those equals that lead's peak-to-peak
 * range in the file (i: 1534 − (−182) = 1716, ...), and the raw samples obey
 * Einthoven exactly (iii = ii − i for all 5000 samples): the leads share one
 * scale and the header's gains are not a calibration. We take LUDB's 16-bit
 * samples as 1 µV each (1000 units/mV).
 */
export const LUDB_UNITS_PER_MV = 1000;

/** Whole Cyton counts closest to one source unit; never below 1. */
export function openbciCountsPerUnit(sourceUnitsPerMv: number, gain = CYTON_DEFAULT_GAIN): number {
  return Math.max(1, Math.round(cytonUnitsPerMv(gain) / sourceUnitsPerMv));
}

/**
 * Cyton counts per LUDB unit: round(44 739 / 1000) = 45, within 0.6 % of the
 * true scale at gain 24. One factor for all eight leads, so the capture keeps
 * the leads' relation (III = II − I still holds), and a whole number, so a
 * capture divided by it gives the source back exactly.
 */
export const OPENBCI_EMULATOR_COUNTS_PER_UNIT = openbciCountsPerUnit(LUDB_UNITS_PER_MV);

export interface CytonEmulatorOptions {
  /** Eight leads at 250 Hz, in channel order. */
  source: RecordSource;
  /** Cyton counts per source unit (a whole number, 1–255); OPENBCI_EMULATOR_COUNTS_PER_UNIT by default. */
  countsPerUnit?: number;
  /** Seed for spliced noise bytes. */
  seed?: number;
}

export class OpenBciCytonEmulator implements DeviceEmulator {
  readonly protocol = 'openbci-cyton' as const;
  readonly source: RecordSource;
  readonly countsPerUnit: number;
  private readonly clock = new SampleClock(CYTON_SAMPLE_RATE);
  private readonly random: () => number;
  private streaming = false;
  private counter = 0;
  private leadOff = false;
  private noise: Uint8Array[] = [];

  constructor(opts: CytonEmulatorOptions) {
    if (opts.source.leadNames.length !== CYTON_CHANNELS) throw new RangeError(`a Cyton emulator plays ${CYTON_CHANNELS} leads`);
    if (opts.source.samplingFrequency !== CYTON_SAMPLE_RATE) throw new RangeError(`the source must play at ${CYTON_SAMPLE_RATE} Hz`);
    // A 16-bit source sample times k must fit in 24 bits, or the capture would not divide back exactly.
    const k = opts.countsPerUnit ?? OPENBCI_EMULATOR_COUNTS_PER_UNIT;
    if (!Number.isInteger(k) || k < 1 || 32768 * k > CYTON_COUNT_MAX) throw new RangeError('counts per unit must be a whole number from 1 to 255');
    this.source = opts.source;
    this.countsPerUnit = k;
    this.random = xorshift32(opts.seed ?? 1);
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  advance(ms: number): Uint8Array {
    const n = this.clock.advance(ms);
    const frames: Uint8Array[] = [];
    if (this.streaming) for (let i = 0; i < n; i++) frames.push(this.nextFrame());
    let out = concat(frames);
    for (const noise of this.noise) out = splice(out, noise, this.random() / 2 ** 32);
    this.noise = [];
    return out;
  }

  receive(bytes: Uint8Array): Uint8Array {
    const replies: Uint8Array[] = [];
    for (const b of bytes) {
      const c = String.fromCharCode(b);
      if (c === 'v') {
        this.streaming = false;
        replies.push(new TextEncoder().encode(CYTON_EMULATOR_BANNER));
      } else if (c === 'b' && !this.streaming) {
        this.streaming = true;
        this.counter = 0;
        this.clock.restart();
      } else if (c === 's') {
        this.streaming = false;
      }
    }
    return concat(replies);
  }

  inject(fault: EmulatorFault): void {
    if (fault.kind === 'noise') this.noise.push(randomBytes(this.random, fault.bytes));
    else this.leadOff = fault.kind === 'leadOff';
  }

  private nextFrame(): Uint8Array {
    const values = this.source.next();
    // Electrodes off: the inputs float and the ADS1299 sits at full scale (flat, "railed").
    const channels = values.map((v) => (this.leadOff ? CYTON_COUNT_MAX : v * this.countsPerUnit));
    // The LIS3DH runs at 25 Hz: one packet in ten carries it (board flat, z up), the rest send zeros.
    const aux = this.counter % 10 === 0 ? [0, 0, 0, 0, ONE_G >> 8, ONE_G & 0xff] : undefined;
    const frame = encodeCytonFrame(this.counter, channels, 0xc0, aux);
    this.counter = (this.counter + 1) & 0xff;
    return frame;
  }
}

/** A Cyton wired I, II, V1–V6 playing a WFDB record (LUDB record 1: 500 Hz, every other sample). */
export function cytonEmulatorFromWfdb(record: { header: WfdbHeader; signals: WfdbSamples[] }, opts: { seed?: number; countsPerUnit?: number } = {}): OpenBciCytonEmulator {
  const { header, signals } = record;
  const leads = header.signals.map((s, i) => ({ name: s.description, samples: signals[i]! }));
  requireLeads(header, CYTON_DEFAULT_MONTAGE, 'an OpenBCI Cyton emulator');
  const o: CytonEmulatorOptions = { source: new RecordSource({ samplingFrequency: header.samplingFrequency, leads }, CYTON_SAMPLE_RATE, CYTON_DEFAULT_MONTAGE) };
  if (opts.seed !== undefined) o.seed = opts.seed;
  if (opts.countsPerUnit !== undefined) o.countsPerUnit = opts.countsPerUnit;
  return new OpenBciCytonEmulator(o);
}

/** A record without the leads a board plays is the user's choice of file, not a bug: say so plainly. */
export function requireLeads(header: WfdbHeader, names: readonly string[], who: string): void {
  const have = header.signals.map((s) => s.description.toLowerCase());
  const missing = names.filter((n) => !have.includes(n.toLowerCase()));
  if (missing.length > 0) {
    throw new ChasquiError('CHASQUI_ERR_ECG_FORMAT', `${who} plays leads ${names.join(', ')}; record ${header.recordName} lacks ${missing.join(', ')}`);
  }
}
