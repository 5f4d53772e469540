/** One line of text per reading, for `chasqui bridge monitor` and logs. Pure. */
import type { Reading } from '../devices/readings.js';

const val = (v: number | null | undefined, unit = ''): string => (v === null || v === undefined ? '--' : `${v}${unit}`);

export function readingText(r: Reading): string {
  switch (r.kind) {
    case 'oximetry':
      return `SpO2 ${val(r.spo2, '%')}  pulse ${val(r.pulseBpm, '/min')}  PI ${val(r.perfusionIndex, '%')}${r.fingerOut ? '  FINGER OUT' : ''}${r.searching ? '  searching' : ''}`;
    case 'vitals':
      return `HR ${val(r.heartRateBpm, '/min')}  resp ${val(r.respirationRate, '/min')}  temp ${val(r.temperatureC, '°C')}  SpO2 ${val(r.spo2, '%')}`;
    case 'bloodPressure':
      return `BP ${r.systolicMmHg}/${r.diastolicMmHg} mmHg  pulse ${r.pulseBpm}/min  measured ${r.measuredAt}  (memory #${r.index})`;
    case 'deviceInfo':
      return `device ${Object.entries(r.info).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'ecg': {
      const n = r.leads.length;
      const last = r.leads.map((l, i) => `${l} ${((r.samples[r.samples.length - n + i]! - r.baseline) / r.unitsPerMv).toFixed(2)}`);
      const gap = r.gapFrames ? `  LOST ${r.gapFrames} samples` : '';
      const off = r.leadOff.length ? `  LEAD OFF ${r.leadOff.join(',')}` : '';
      return `ECG ${r.samplingFrequency} Hz mV: ${last.join('  ')}${gap}${off}`;
    }
    case 'pleth':
    case 'respiration':
      return `${r.kind} ${r.values.length} samples, last ${val(r.values[r.values.length - 1])}`;
  }
}

/**
 * Waveforms come hundreds of times a second; a person reads one line a
 * second. Numerics and events are printed as they come.
 */
export class MonitorThrottle {
  private readonly lastAt = new Map<string, number>();
  constructor(private readonly everyMs = 1000) {}

  shouldPrint(r: Reading, now: number): boolean {
    if (r.kind !== 'ecg' && r.kind !== 'pleth' && r.kind !== 'respiration') return true;
    if (r.kind === 'ecg' && (r.gapFrames > 0)) return true;
    const last = this.lastAt.get(r.kind) ?? -Infinity;
    if (now - last < this.everyMs) return false;
    this.lastAt.set(r.kind, now);
    return true;
  }
}
