/**
 * What the bridge hands the post: device readings in physical meaning, not
 * bytes. Decoders produce them; the bridge stamps them with the time they
 * arrived (decoders are pure and know no clock).
 */

/** Pulse oximeter numerics. null = the device says "no valid value" (finger out, searching). */
export interface OximetryReading {
  kind: 'oximetry';
  spo2: number | null;
  pulseBpm: number | null;
  /** Perfusion index in %, when the protocol carries one. */
  perfusionIndex: number | null;
  /** Device's own signal-strength indicator (Contec: 0–15), when present. */
  signalStrength?: number;
  fingerOut?: boolean;
  searching?: boolean;
}

/** Plethysmogram samples, device units (Contec 0–100 / 0–127; OpenView int32). */
export interface PlethReading {
  kind: 'pleth';
  samplingFrequency: number;
  values: number[];
}

/**
 * ECG samples as the ADC gave them (integers), so a capture stays lossless.
 * `samples` is interleaved by frame: samples[f * leads.length + l].
 * physical mV = (sample - baseline) / unitsPerMv.
 */
export interface EcgReading {
  kind: 'ecg';
  samplingFrequency: number;
  leads: readonly string[];
  unitsPerMv: number;
  baseline: number;
  samples: Int32Array;
  /**
   * Frames the device says were lost just before these (e.g. a skipped
   * OpenBCI sample counter); 0 when the stream is continuous.
   */
  gapFrames: number;
  /** Leads the device reports as not connected (electrode off). */
  leadOff: readonly string[];
}

export interface RespirationReading {
  kind: 'respiration';
  samplingFrequency: number;
  values: number[];
}

/** Slow numerics from a multi-parameter board (OpenView/HealthyPi). null = invalid. */
export interface VitalsReading {
  kind: 'vitals';
  heartRateBpm: number | null;
  respirationRate: number | null;
  temperatureC: number | null;
  spo2: number | null;
}

/** One stored blood-pressure measurement (Beurer memory record). */
export interface BloodPressureReading {
  kind: 'bloodPressure';
  systolicMmHg: number;
  diastolicMmHg: number;
  pulseBpm: number;
  /** Device-local wall-clock time, "YYYY-MM-DDTHH:MM" (the device knows no time zone). */
  measuredAt: string;
  /** Position in the device's memory. */
  index: number;
}

/** The device told us something about itself (version, memory count, battery...). */
export interface DeviceInfoReading {
  kind: 'deviceInfo';
  info: Record<string, string | number | boolean>;
}

export type Reading =
  | OximetryReading
  | PlethReading
  | EcgReading
  | RespirationReading
  | VitalsReading
  | BloodPressureReading
  | DeviceInfoReading;
