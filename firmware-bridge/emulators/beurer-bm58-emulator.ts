/**
 * An emulated Beurer BM58/BM65 in PC-link mode: it sends nothing of its own
 * and answers ping, name, count and record requests from the memory it was
 * built with (see beurer-bm58-frames.ts for the bytes). Records are numbered
 * from 1, as the device does; asking for one it does not hold gets 0xA9.
 * Faults: noise bytes on the line (sent with the next advance()), and
 * leadOff = the cuff is switched off or left its PC mode, so it answers
 * nothing until leadOn.
 */
import { BM58, encodeName, encodeRecord, type Bm58Measurement } from '../devices/beurer-bm58-frames.js';
import type { ProtocolId } from '../devices/stream-decoder.js';
import { mulberry32 } from '../../lib/prng.js';
import type { DeviceEmulator, EmulatorFault } from './device-emulator.js';

export interface Bm58EmulatorOptions {
  /** Stored measurements, record 1 first. */
  memory: readonly Bm58Measurement[];
  /** What the 0xA4 request answers (32 bytes); the KD001 OEM name by default. */
  name?: string;
  seed?: number;
}

export class Bm58Emulator implements DeviceEmulator {
  readonly protocol: ProtocolId = 'beurer-bm58';
  private readonly memory: readonly Bm58Measurement[];
  private readonly name: string;
  private readonly random: () => number;
  private awaitingIndex = false;
  private on = true;
  private noise = 0;
  /** Requests heard, for tests that check the host's retries. */
  readonly heard: number[] = [];

  constructor(opts: Bm58EmulatorOptions) {
    this.memory = opts.memory;
    this.name = opts.name ?? 'Andon Blood Pressure Meter KD001';
    this.random = mulberry32(opts.seed ?? 7);
  }

  advance(): Uint8Array {
    const out = Uint8Array.from({ length: this.noise }, () => Math.floor(this.random() * 256));
    this.noise = 0;
    return out;
  }

  receive(bytes: Uint8Array): Uint8Array {
    const reply: number[] = [];
    for (const b of bytes) {
      if (!this.on) continue;
      this.heard.push(b);
      reply.push(...this.answer(b));
    }
    return Uint8Array.from(reply);
  }

  inject(fault: EmulatorFault): void {
    if (fault.kind === 'noise') this.noise += fault.bytes;
    else this.on = fault.kind === 'leadOn';
    if (!this.on) this.awaitingIndex = false;
  }

  /** The record request is two bytes that may arrive in separate reads. */
  private answer(b: number): number[] {
    if (this.awaitingIndex) {
      this.awaitingIndex = false;
      const m = this.memory[b - 1];
      return m ? [...encodeRecord(m)] : [BM58.noRecord];
    }
    switch (b) {
      case BM58.ping:
        return [BM58.pong];
      case BM58.getName:
        return [...encodeName(this.name)];
      case BM58.getCount:
        return [this.memory.length];
      case BM58.getRecord:
        this.awaitingIndex = true;
        return [];
      default:
        return [];
    }
  }
}
