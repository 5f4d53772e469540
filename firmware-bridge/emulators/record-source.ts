/**
 * Real ECG for emulators: plays a recorded signal (from ../shared/data/ecg
 * via readWfdbRecord) at a device's rate, looping at the end. Integer
 * decimation keeps samples exact (LUDB 500 Hz → OpenBCI 250 Hz, HealthyPi
 * 125 Hz), so a capture can be compared with the source sample for sample;
 * other ratios take the nearest earlier sample.
 */
export interface RecordedSignal {
  samplingFrequency: number;
  leads: { name: string; samples: ArrayLike<number> }[];
}

export class RecordSource {
  readonly samplingFrequency: number;
  readonly leadNames: readonly string[];
  private readonly leads: ArrayLike<number>[];
  private readonly step: number;
  private readonly length: number;
  private position = 0;

  /** `leadNames` picks and orders leads by name (case-insensitive); all leads when omitted. */
  constructor(signal: RecordedSignal, samplingFrequency: number, leadNames?: readonly string[]) {
    const picked = leadNames ? leadNames.map((n) => pickLead(signal, n)) : signal.leads;
    if (picked.length === 0) throw new RangeError('a record source needs at least one lead');
    this.samplingFrequency = samplingFrequency;
    this.leadNames = picked.map((l) => l.name);
    this.leads = picked.map((l) => l.samples);
    this.step = signal.samplingFrequency / samplingFrequency;
    this.length = Math.floor(Math.min(...this.leads.map((l) => l.length)) / this.step);
    if (this.length === 0) throw new RangeError('the record is shorter than one output sample');
  }

  /** Output frames before the source loops. */
  get frames(): number {
    return this.length;
  }

  /** The next frame: one sample per lead, in leadNames order. */
  next(): number[] {
    const at = Math.floor(this.position * this.step);
    this.position = (this.position + 1) % this.length;
    return this.leads.map((l) => l[at] as number);
  }

  /** Frame i of the played (decimated) signal, without moving — what a capture should equal. */
  frame(i: number): number[] {
    const at = Math.floor((i % this.length) * this.step);
    return this.leads.map((l) => l[at] as number);
  }
}

function pickLead(signal: RecordedSignal, name: string): { name: string; samples: ArrayLike<number> } {
  const lead = signal.leads.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (!lead) throw new RangeError(`the record has no lead ${name} (it has ${signal.leads.map((l) => l.name).join(', ')})`);
  return { name, samples: lead.samples };
}
