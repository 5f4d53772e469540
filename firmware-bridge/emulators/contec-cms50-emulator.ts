/**
 * Emulated Contec CMS50D+/CMS50E pulse oximeters, both wire protocols.
 *  - V7.0 (115200 8N1): silent until the host sends "start realtime"
 *    (7D 81 A1 ...), then ~60 packages/s; stops by itself when the host has
 *    sent nothing for 10 s (the host keeps it going with 7D 81 AF ...);
 *    answers the version/model/vendor/device-id questions the way captured
 *    units do (headrotor/contec_data capture, OSCAR cms50f37 loader).
 *  - Legacy 5-byte stream: ~60 packages/s from power-on, deaf to the host.
 * Both play a PulseOxModel patient. Faults: noise bytes spliced into the
 * output, finger out (leadOff) and back in (leadOn: a few seconds of
 * "searching" before numbers come back, as on the real device).
 */
import { encodeRealtime, encodeV7, V7_CMD, V7_COMMAND_TYPE, V7_PI_INVALID, V7_PULSE_INVALID, V7_SPO2_INVALID, V7_TYPE, type V7Realtime } from '../devices/contec-cms50-v7-frames.js';
import { encodeLegacy } from '../devices/contec-cms50-legacy.js';
import type { ProtocolId } from '../devices/stream-decoder.js';
import { mulberry32 } from '../../lib/prng.js';
import type { DeviceEmulator, EmulatorFault } from './device-emulator.js';
import { PulseOxModel, type PulseOxModelOptions, type PulseOxSample } from './pleth-shape.js';

const PACKAGE_MS = 1000 / 60;
/** How long the V7 device streams without hearing from the host. */
export const V7_SILENCE_LIMIT_MS = 10_000;
/** After the finger goes back in, the device searches this long before it shows numbers. */
const SEARCH_MS = 2000;

export interface ContecEmulatorOptions extends PulseOxModelOptions {
  model?: string;
  vendor?: string;
  deviceId?: string;
}

/** What the probe reports this package: finger in and settled, searching, or out. */
interface ProbeState {
  sample: PulseOxSample;
  fingerOut: boolean;
  searching: boolean;
}

abstract class ContecEmulatorBase implements DeviceEmulator {
  abstract readonly protocol: ProtocolId;
  protected clockMs = 0;
  private nextPackageMs = 0;
  private readonly patient: PulseOxModel;
  private readonly random: () => number;
  private noise = 0;
  private fingerOut = false;
  private searchUntilMs = 0;

  constructor(opts: ContecEmulatorOptions) {
    this.patient = new PulseOxModel(opts);
    this.random = mulberry32((opts.seed ?? 1) ^ 0x5eed);
  }

  advance(ms: number): Uint8Array {
    const out: number[] = [];
    this.clockMs += ms;
    while (this.nextPackageMs <= this.clockMs) {
      const probe = this.probe();
      const bytes = this.packageFor(probe, this.nextPackageMs);
      if (bytes) out.push(...bytes);
      this.nextPackageMs += PACKAGE_MS;
    }
    return this.splice(out);
  }

  abstract receive(bytes: Uint8Array): Uint8Array;

  inject(fault: EmulatorFault): void {
    if (fault.kind === 'noise') this.noise += fault.bytes;
    else if (fault.kind === 'leadOff') this.fingerOut = true;
    else if (this.fingerOut) {
      this.fingerOut = false;
      this.searchUntilMs = this.clockMs + SEARCH_MS;
    }
  }

  /** The package for one tick, or undefined when the device is not sending. */
  protected abstract packageFor(probe: ProbeState, atMs: number): Uint8Array | undefined;

  private probe(): ProbeState {
    const sample = this.patient.next(PACKAGE_MS);
    return { sample, fingerOut: this.fingerOut, searching: !this.fingerOut && this.nextPackageMs < this.searchUntilMs };
  }

  /** Pending noise goes in at random places, inside packages too: EMI does not wait for a boundary. */
  private splice(out: number[]): Uint8Array {
    for (; this.noise > 0; this.noise--) {
      const at = Math.floor(this.random() * (out.length + 1));
      out.splice(at, 0, Math.floor(this.random() * 256));
    }
    return Uint8Array.from(out);
  }
}

export class ContecV7Emulator extends ContecEmulatorBase {
  readonly protocol: ProtocolId = 'contec-cms50-v7';
  private streaming = false;
  private lastHeardMs = 0;
  private command: number[] = [];
  private readonly model: string;
  private readonly vendor: string;
  private readonly deviceId: string;

  constructor(opts: ContecEmulatorOptions = {}) {
    super(opts);
    this.model = opts.model ?? 'CMS50D+';
    this.vendor = opts.vendor ?? 'CONTEC';
    this.deviceId = opts.deviceId ?? 'user';
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  /** Host commands are V7 packages of type 0x7D, 9 bytes; bytes out of step are ignored. */
  receive(bytes: Uint8Array): Uint8Array {
    const reply: number[] = [];
    for (const b of bytes) {
      if ((b & 0x80) === 0) this.command = b === V7_COMMAND_TYPE ? [b] : [];
      else if (this.command.length > 0) this.command.push(b);
      if (this.command.length === 9) {
        const high = this.command[1] as number;
        const cmd = ((this.command[2] as number) & 0x7f) | (high & 1 ? 0x80 : 0);
        this.command = [];
        reply.push(...this.obey(cmd));
      }
    }
    return Uint8Array.from(reply);
  }

  private obey(cmd: number): number[] {
    this.lastHeardMs = this.clockMs;
    switch (cmd) {
      case V7_CMD.startRealtime:
        this.streaming = true;
        return [];
      case V7_CMD.stopRealtime:
        this.streaming = false;
        return [...encodeV7(V7_TYPE.ack, [])];
      case V7_CMD.stopStored:
        return [...encodeV7(V7_TYPE.ack, [])];
      case V7_CMD.getVersion:
        return [...encodeV7(V7_TYPE.version, [0x00, 0x07])];
      case V7_CMD.getModel:
        return [...encodeV7(V7_TYPE.model, [0, ...text(this.model.slice(0, 6), 6)]), ...encodeV7(V7_TYPE.model, [1, ...text(this.model.slice(6), 6)])];
      case V7_CMD.getVendor:
        return [...encodeV7(V7_TYPE.vendor, text(this.vendor, 7))];
      case V7_CMD.getDeviceId:
        return [...encodeV7(V7_TYPE.deviceId, text(this.deviceId, 7))];
      default:
        return []; // keep-alive and commands we do not emulate: heard, nothing to say
    }
  }

  protected packageFor(p: ProbeState, atMs: number): Uint8Array | undefined {
    if (this.streaming && atMs - this.lastHeardMs > V7_SILENCE_LIMIT_MS) this.streaming = false;
    if (!this.streaming) return undefined;
    return encodeRealtime(v7Fields(p));
  }
}

function v7Fields({ sample: s, fingerOut, searching }: ProbeState): V7Realtime {
  const valid = !fingerOut && !searching;
  return {
    signalStrength: fingerOut ? 0 : searching ? 2 : 5,
    searchingTooLong: false,
    spo2Dropping: false,
    pulseBeep: valid && s.beat,
    probeError: fingerOut,
    pleth: fingerOut ? 0 : searching ? Math.round(s.pleth / 3) : s.pleth,
    searchingPulse: searching,
    bar: valid ? s.bar : 0,
    piSupported: true,
    pulse: valid ? s.pulseBpm : V7_PULSE_INVALID,
    spo2: valid ? s.spo2 : V7_SPO2_INVALID,
    pi: valid ? Math.round(s.perfusionIndex * 100) : V7_PI_INVALID,
  };
}

export class ContecLegacyEmulator extends ContecEmulatorBase {
  readonly protocol: ProtocolId = 'contec-cms50-legacy';

  constructor(opts: ContecEmulatorOptions = {}) {
    super(opts);
  }

  /** The legacy firmware does not listen. */
  receive(_bytes: Uint8Array): Uint8Array {
    return new Uint8Array(0);
  }

  protected packageFor(p: ProbeState): Uint8Array {
    return encodeLegacy(v7Fields(p)); // same flags and invalid markers, minus PI
  }
}

/** ASCII, space-padded to `n` (Contec pads its string packages with spaces). */
function text(s: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < s.length ? s.charCodeAt(i) & 0x7f : 0x20));
}
