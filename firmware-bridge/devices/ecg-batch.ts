/**
 * Gathers the ECG frames one push() decoded into as few EcgReadings as the
 * contract allows: one per push, cut where the lead-off set changes or the
 * device says frames were lost, since EcgReading carries one `leadOff` and
 * one `gapFrames` for all its samples. Shared by the ECG board decoders.
 */
import type { EcgReading } from './readings.js';

export interface EcgStreamMeta {
  samplingFrequency: number;
  leads: readonly string[];
  unitsPerMv: number;
  baseline: number;
}

function sameLeads(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class EcgBatcher {
  private values: number[] = [];
  private leadOff: readonly string[] = [];
  private gapFrames = 0;
  private done: EcgReading[] = [];

  constructor(private readonly meta: EcgStreamMeta) {}

  /** One frame: a sample per lead, in `meta.leads` order. */
  add(frame: ArrayLike<number>, leadOff: readonly string[], gapFrames: number): void {
    if (this.values.length > 0 && (gapFrames > 0 || !sameLeads(leadOff, this.leadOff))) this.cut();
    if (this.values.length === 0) {
      this.leadOff = leadOff;
      this.gapFrames = gapFrames;
    }
    for (let i = 0; i < frame.length; i++) this.values.push(frame[i] as number);
  }

  /** The readings gathered since the last take(), oldest first. */
  take(): EcgReading[] {
    this.cut();
    const out = this.done;
    this.done = [];
    return out;
  }

  private cut(): void {
    if (this.values.length === 0) return;
    const m = this.meta;
    this.done.push({
      kind: 'ecg',
      samplingFrequency: m.samplingFrequency,
      leads: m.leads,
      unitsPerMv: m.unitsPerMv,
      baseline: m.baseline,
      samples: Int32Array.from(this.values),
      gapFrames: this.gapFrames,
      leadOff: this.leadOff,
    });
    this.values = [];
  }
}
