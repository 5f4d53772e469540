/**
 * An ECG recording as both sides hold it: integer samples exactly as the ADC
 * or the file gave them (so storing and sending stay lossless), with what is
 * needed to read them in millivolts. The codec (ecg-codec.ts), the file
 * readers and the serial capture all speak this shape.
 */
export interface EcgLead {
  /** Standard lead name where known: I, II, III, aVR, aVL, aVF, V1–V6; else the device's label. */
  name: string;
  /** ADC units per millivolt: mV = (sample − baseline) / unitsPerMv. */
  unitsPerMv: number;
  baseline: number;
  /** Integers within a signed 24-bit range (ADS1299-class front ends are 24-bit). */
  samples: Int32Array;
}

export interface EcgRecording {
  samplingFrequency: number;
  leads: EcgLead[];
  /** When acquisition started, ISO 8601, if known. */
  startedAt?: string;
  /** Where it came from, for people: "OpenBCI Cyton on /dev/ttyUSB0", "SCP-ECG file test.scp". */
  source?: string;
}

export const ECG_SAMPLE_MIN = -(2 ** 23);
export const ECG_SAMPLE_MAX = 2 ** 23 - 1;
