/**
 * The contract every device decoder and protocol session meets. Decoders are
 * byte-at-a-time state machines (STYLE.md #5): a frame may be split anywhere,
 * garbage may sit between frames, a device may be switched on mid-frame or
 * unplugged half way through one. They resynchronise, count what they drop,
 * and never throw.
 */
import type { Reading } from './readings.js';

export type ProtocolId = 'contec-cms50-v7' | 'contec-cms50-legacy' | 'openview' | 'openbci-cyton' | 'beurer-bm58';

export interface DecoderStats {
  /** Frames decoded and accepted. */
  frames: number;
  /** Bytes thrown away while hunting for a frame start or inside rejected frames. */
  droppedBytes: number;
  /** Times the decoder lost sync and had to hunt for a frame start again. */
  resyncs: number;
  /** Frames whose checksum, footer or field ranges were wrong (subset of drops). */
  badFrames: number;
}

export interface StreamDecoder {
  /** Feeds bytes as they came off the wire; returns the readings they completed. Never throws. */
  push(bytes: Uint8Array): Reading[];
  stats(): Readonly<DecoderStats>;
  /** Forget any partial frame (the port was closed and reopened). Stats are kept. */
  reset(): void;
}

export type Parity = 'none' | 'odd' | 'even';

export interface SerialSettings {
  baudRate: number;
  dataBits: 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}

/**
 * The host side of a conversation with a device: what to write when the
 * port opens, in reply to readings, on a timer (keep-alive), and before
 * closing. Pure: the serial adapter does the writing.
 */
export interface DeviceSession {
  readonly decoder: StreamDecoder;
  /** Bytes to write right after the port opens (e.g. "start streaming"). */
  open(): Uint8Array[];
  /** Bytes to write in answer to readings just decoded (request/response devices). */
  onReadings(readings: readonly Reading[]): Uint8Array[];
  /** Called every `tickMs`; returns keep-alive or poll bytes when due. */
  tick(nowMs: number): Uint8Array[];
  /** Bytes to write before closing (e.g. "stop streaming"). */
  close(): Uint8Array[];
}

export interface DeviceProtocol {
  readonly id: ProtocolId;
  /** For people: "Contec CMS50D+ pulse oximeter (protocol V7.0)". */
  readonly label: string;
  /** The device's factory serial settings; a port's config may override them. */
  readonly serial: SerialSettings;
  createSession(): DeviceSession;
}

/** Mutable counters behind StreamDecoder.stats(); decoders own one each. */
export class DecoderCounters implements DecoderStats {
  frames = 0;
  droppedBytes = 0;
  resyncs = 0;
  badFrames = 0;

  snapshot(): DecoderStats {
    return { frames: this.frames, droppedBytes: this.droppedBytes, resyncs: this.resyncs, badFrames: this.badFrames };
  }
}

/** For devices that stream unasked and ignore the host: the session only listens. */
export class ListenOnlySession implements DeviceSession {
  constructor(readonly decoder: StreamDecoder) {}
  open(): Uint8Array[] {
    this.decoder.reset();
    return [];
  }
  onReadings(): Uint8Array[] {
    return [];
  }
  tick(): Uint8Array[] {
    return [];
  }
  close(): Uint8Array[] {
    return [];
  }
}
