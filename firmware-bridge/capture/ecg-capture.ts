/**
 * Collects N seconds of ECG from a device's readings into one recording.
 * Pure: the bridge feeds it readings and asks whether it is done. A capture
 * must be the device's samples and nothing else: if the device reports lost
 * samples, or changes rate or leads mid-way, the capture fails rather than
 * hand a specialist a stitched trace.
 */
import type { EcgRecording } from '../../protocol/ecg-recording.js';
import type { EcgReading } from '../devices/readings.js';

export type CaptureProgress = { state: 'collecting'; frames: number; needed: number } | { state: 'done' } | { state: 'failed'; reason: string };

export class EcgCapture {
  private first: EcgReading | undefined;
  private chunks: Int32Array[] = [];
  private frames = 0;
  private needed = 0;
  private failure: string | undefined;
  private readonly leadOff = new Set<string>();

  constructor(private readonly seconds: number) {
    if (!(seconds > 0 && seconds <= 300)) throw new RangeError(`capture length ${seconds} s is not in (0, 300]`);
  }

  add(r: EcgReading): CaptureProgress {
    if (this.failure || this.isDone()) return this.progress();
    if (!this.first) {
      this.first = r;
      this.needed = Math.round(this.seconds * r.samplingFrequency);
    } else if (r.gapFrames > 0) {
      return this.fail(`the device lost ${r.gapFrames} sample(s) during the capture`);
    } else if (!sameStream(this.first, r)) {
      return this.fail('the device changed sampling rate, leads or scale during the capture');
    }
    for (const l of r.leadOff) this.leadOff.add(l);
    const n = r.leads.length;
    const take = Math.min(r.samples.length / n, this.needed - this.frames);
    this.chunks.push(r.samples.subarray(0, take * n));
    this.frames += take;
    return this.progress();
  }

  /** The source stopped (unplugged, or the stream ended) before the capture was complete. */
  abort(reason: string): CaptureProgress {
    if (!this.isDone()) this.fail(reason);
    return this.progress();
  }

  progress(): CaptureProgress {
    if (this.failure) return { state: 'failed', reason: this.failure };
    if (this.isDone()) return { state: 'done' };
    return { state: 'collecting', frames: this.frames, needed: this.needed };
  }

  /** Leads the device reported off at any moment of the capture. */
  leadsOff(): string[] {
    return [...this.leadOff];
  }

  recording(meta: { startedAt?: string; source?: string }): EcgRecording {
    const r = this.first;
    if (!r || !this.isDone()) throw new Error('the capture is not complete');
    const n = r.leads.length;
    const all = new Int32Array(this.frames * n);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    const leads = r.leads.map((name, l) => {
      const samples = new Int32Array(this.frames);
      for (let f = 0; f < this.frames; f++) samples[f] = all[f * n + l] as number;
      return { name, unitsPerMv: r.unitsPerMv, baseline: r.baseline, samples };
    });
    return { samplingFrequency: r.samplingFrequency, leads, ...meta };
  }

  private isDone(): boolean {
    return this.first !== undefined && this.frames >= this.needed;
  }

  private fail(reason: string): CaptureProgress {
    this.failure = reason;
    this.chunks = [];
    return this.progress();
  }
}

function sameStream(a: EcgReading, b: EcgReading): boolean {
  return (
    a.samplingFrequency === b.samplingFrequency &&
    a.unitsPerMv === b.unitsPerMv &&
    a.baseline === b.baseline &&
    a.leads.length === b.leads.length &&
    a.leads.every((l, i) => l === b.leads[i])
  );
}
