/**
 * Decoder and session for the OpenBCI Cyton (ADS1299, 8 channels, 250 Hz)
 * used as a multi-lead ECG front end. Frame layout: openbci-cyton-frames.ts.
 *
 * The session follows the documented start-up (Cyton_Data_Format.md,
 * "Startup" and "Initiating Binary Transfer"): write 'v' (soft reset), wait
 * for the banner ending in "$$$", then 'b' to stream; 's' stops.
 */
import { ChasquiError } from '../../lib/errors.js';
import { EcgBatcher } from './ecg-batch.js';
import { FixedFramer } from './fixed-framer.js';
import {
  CYTON_CHANNELS,
  CYTON_COUNT_MAX,
  CYTON_COUNT_MIN,
  CYTON_DEFAULT_GAIN,
  CYTON_HEADER,
  CYTON_RULE,
  CYTON_SAMPLE_RATE,
  cytonUnitsPerMv,
  parseCytonBanner,
  parseCytonFrame,
} from './openbci-cyton-frames.js';
import type { DeviceInfoReading, Reading } from './readings.js';
import { DecoderCounters, type DecoderStats, type DeviceProtocol, type DeviceSession, type StreamDecoder } from './stream-decoder.js';

/** Channel 1 = I, 2 = II, 3–8 = V1–V6: the montage we wire the Cyton for. */
export const CYTON_DEFAULT_MONTAGE: readonly string[] = ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

/** Longest banner kept while waiting for "$$$"; the real one is about 100 bytes. */
const MAX_BANNER = 1024;
const NONE: readonly string[] = [];

export interface CytonOptions {
  /** Lead name per channel (8); a port's config may wire the board differently. */
  channelNames?: readonly string[];
  /** ADS1299 PGA gain the board runs at (24 after 'v'). */
  gain?: number;
}

const isText = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d || b === 0x09;

export class OpenBciCytonDecoder implements StreamDecoder {
  readonly channelNames: readonly string[];
  private readonly counters = new DecoderCounters();
  private readonly framer: FixedFramer;
  private readonly ecg: EcgBatcher;
  private lastCounter: number | undefined;
  /** A banner was just read: the board starts a clean stream, trust its first frame. */
  private fresh = false;
  private text: number[] = [];
  private info: DeviceInfoReading[] = [];

  constructor(opts: CytonOptions = {}) {
    const names = opts.channelNames ?? CYTON_DEFAULT_MONTAGE;
    if (names.length !== CYTON_CHANNELS) {
      throw new ChasquiError('CHASQUI_ERR_CONFIG', `an OpenBCI Cyton has ${CYTON_CHANNELS} channels; ${names.length} channel names were given`);
    }
    this.channelNames = [...names];
    const unitsPerMv = cytonUnitsPerMv(opts.gain ?? CYTON_DEFAULT_GAIN);
    this.ecg = new EcgBatcher({ samplingFrequency: CYTON_SAMPLE_RATE, leads: this.channelNames, unitsPerMv, baseline: 0 });
    this.framer = new FixedFramer(CYTON_RULE, this.counters, {
      frame: (p) => this.onFrame(p),
      trusted: (p, afterJunk) => this.trusted(p, afterJunk),
      junk: (b) => this.onText(b),
    });
  }

  push(bytes: Uint8Array): Reading[] {
    this.framer.push(bytes);
    const out: Reading[] = [...this.info, ...this.ecg.take()];
    this.info = [];
    return out;
  }

  stats(): Readonly<DecoderStats> {
    return this.counters.snapshot();
  }

  reset(): void {
    this.framer.reset();
    this.lastCounter = undefined;
    this.fresh = false;
    this.text = [];
  }

  /**
   * A 0xA0 in noise followed 32 bytes later by any 0xC0–0xCF passes the
   * framing one time in 16, so a frame is taken at once only when its sample
   * number follows the last one (or it opens a clean stream); any other waits
   * for the next byte to be a header (FixedFramer). So does a frame whose
   * last aux byte is 0xA0: it may be a frame one byte short, its "footer"
   * the next frame's sample number (192–207 read as 0xC0–0xCF).
   */
  private trusted(p: Uint8Array, afterJunk: boolean): boolean {
    if (p[31] === CYTON_HEADER) return false;
    if (this.lastCounter === undefined) return !afterJunk || this.fresh;
    return p[1] === ((this.lastCounter + 1) & 0xff);
  }

  private onFrame(p: Uint8Array): boolean {
    const f = parseCytonFrame(p);
    // The counter wraps at 256, so a gap of 256 frames or more reads short.
    const gap = this.lastCounter === undefined ? 0 : (f.counter - this.lastCounter - 1) & 0xff;
    this.lastCounter = f.counter;
    this.fresh = false;
    this.ecg.add(f.channels, this.railed(f.channels), gap);
    this.dropText();
    return true;
  }

  /** A floating input drives the ADS1299 to full scale: report that lead as off. */
  private railed(ch: Int32Array): readonly string[] {
    let off: string[] | undefined;
    ch.forEach((v, i) => {
      if (v >= CYTON_COUNT_MAX || v <= CYTON_COUNT_MIN) (off ??= []).push(this.channelNames[i] as string);
    });
    return off ?? NONE;
  }

  /** ASCII between frames is the board talking (the 'v' banner); collect it until "$$$". */
  private onText(b: number): boolean {
    if (!isText(b)) {
      this.dropText();
      return false;
    }
    const t = this.text;
    t.push(b);
    const n = t.length;
    if (n >= 3 && t[n - 1] === 0x24 && t[n - 2] === 0x24 && t[n - 3] === 0x24) {
      const banner = parseCytonBanner(String.fromCharCode(...t));
      this.text = [];
      this.lastCounter = undefined; // the board was reset: its sample number starts again
      this.fresh = true;
      const info: DeviceInfoReading['info'] = { board: 'OpenBCI Cyton', ready: banner.ready, banner: banner.text };
      if (banner.firmware) info.firmware = banner.firmware;
      this.info.push({ kind: 'deviceInfo', info });
    } else if (n > MAX_BANNER) {
      this.counters.droppedBytes += n - MAX_BANNER;
      t.splice(0, n - MAX_BANNER);
    }
    return true;
  }

  /** Text that never ended in "$$$" was noise after all. */
  private dropText(): void {
    this.counters.droppedBytes += this.text.length;
    this.text = [];
  }
}

export interface CytonSessionOptions extends CytonOptions {
  /** Wait this long for "$$$" before writing 'v' again. */
  bannerTimeoutMs?: number;
  /** While streaming, no frame for this long means the board was reset or lost: start over. */
  stallMs?: number;
}

const ascii = (c: string): Uint8Array => Uint8Array.of(c.charCodeAt(0));
export const CYTON_SOFT_RESET = ascii('v');
export const CYTON_START = ascii('b');
export const CYTON_STOP = ascii('s');

type CytonState = 'resetting' | 'streaming' | 'closed';

export class OpenBciCytonSession implements DeviceSession {
  readonly decoder: OpenBciCytonDecoder;
  private state: CytonState = 'closed';
  private deadline: number | undefined;
  private seenFrames = 0;
  private lastFrameAt: number | undefined;
  private readonly bannerTimeoutMs: number;
  private readonly stallMs: number;

  constructor(opts: CytonSessionOptions = {}) {
    this.decoder = new OpenBciCytonDecoder(opts);
    this.bannerTimeoutMs = opts.bannerTimeoutMs ?? 2000;
    this.stallMs = opts.stallMs ?? 3000;
  }

  /** 'v' first: the chipKIT does not reset when the port opens, so its state is unknown. */
  open(): Uint8Array[] {
    this.state = 'resetting';
    this.deadline = undefined;
    return [CYTON_SOFT_RESET];
  }

  /** A ready banner (ours, or the board was reset behind our back) means: start streaming. */
  onReadings(readings: readonly Reading[]): Uint8Array[] {
    if (this.state === 'closed') return [];
    const ready = readings.some((r) => r.kind === 'deviceInfo' && r.info.ready === true);
    if (!ready) return [];
    this.state = 'streaming';
    this.lastFrameAt = undefined;
    return [CYTON_START];
  }

  tick(nowMs: number): Uint8Array[] {
    if (this.state === 'resetting') {
      if (this.deadline === undefined) this.deadline = nowMs + this.bannerTimeoutMs;
      if (nowMs < this.deadline) return [];
      this.deadline = nowMs + this.bannerTimeoutMs;
      return [CYTON_SOFT_RESET];
    }
    if (this.state !== 'streaming') return [];
    const frames = this.decoder.stats().frames;
    if (this.lastFrameAt === undefined || frames !== this.seenFrames) {
      this.seenFrames = frames;
      this.lastFrameAt = nowMs;
      return [];
    }
    if (nowMs - this.lastFrameAt < this.stallMs) return [];
    this.state = 'resetting';
    this.deadline = nowMs + this.bannerTimeoutMs;
    return [CYTON_SOFT_RESET];
  }

  close(): Uint8Array[] {
    this.state = 'closed';
    return [CYTON_STOP];
  }
}

/** 115200 8N1 through the FTDI on the RFduino dongle (Cyton_Data_Format.md, "Serial Setup"). */
export function createOpenBciCytonProtocol(opts: CytonSessionOptions = {}): DeviceProtocol {
  return {
    id: 'openbci-cyton',
    label: 'OpenBCI Cyton (ADS1299, 8 channels at 250 Hz) as an ECG front end',
    serial: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 },
    createSession: () => new OpenBciCytonSession(opts),
  };
}

export const openBciCytonProtocol: DeviceProtocol = createOpenBciCytonProtocol();
