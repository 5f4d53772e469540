/**
 * The device side, for tests and the demo: an emulator produces the byte
 * stream a real device would put on the wire, and answers host commands the
 * way the device does. Pure: the pty adapter (pty-device.ts) moves the bytes
 * and drives time.
 */
import type { ProtocolId } from '../devices/stream-decoder.js';

export type EmulatorFault =
  /** Random bytes spliced into the stream (EMI, a loose connector). */
  | { kind: 'noise'; bytes: number }
  /** Electrodes off / finger out: the device reports it and the signal goes flat or invalid. */
  | { kind: 'leadOff' }
  | { kind: 'leadOn' };

export interface DeviceEmulator {
  readonly protocol: ProtocolId;
  /** Bytes the device emits over the next `ms` milliseconds of its life (may be empty). */
  advance(ms: number): Uint8Array;
  /** Bytes the host wrote to the device; returns the device's immediate reply (may be empty). */
  receive(bytes: Uint8Array): Uint8Array;
  inject(fault: EmulatorFault): void;
}
