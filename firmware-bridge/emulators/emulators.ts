/**
 * The emulated devices `chasqui bridge emulate` and the demo start, by
 * protocol id, with realistic defaults: ECG boards play a real recording
 * (LUDB record 1, 12 leads at 500 Hz, from ../shared/data unless another
 * WFDB record is given), the oximeter a patient at rest, the blood-pressure
 * monitor a memory of the last few days' readings.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ChasquiError } from '../../lib/errors.js';
import type { ProtocolId } from '../devices/stream-decoder.js';
import { readWfdbRecord } from '../ecg/wfdb-files.js';
import { Bm58Emulator } from './beurer-bm58-emulator.js';
import { ContecLegacyEmulator, ContecV7Emulator } from './contec-cms50-emulator.js';
import type { DeviceEmulator } from './device-emulator.js';
import { cytonEmulatorFromWfdb } from './openbci-cyton-emulator.js';
import { openViewEmulatorFromWfdb } from './openview-emulator.js';

export const EMULATED_DEVICES: readonly ProtocolId[] = ['contec-cms50-v7', 'contec-cms50-legacy', 'openview', 'openbci-cyton', 'beurer-bm58'];

const DEFAULT_RECORD = 'ecg/ludb/1.hea';

/** ../shared/data beside the checkout, found from the working folder or from this file. */
export function sharedDataDir(): string | undefined {
  return [resolve('../shared/data'), resolve(import.meta.dirname, '../../../../shared/data')].find((d) => existsSync(d));
}

export async function createEmulator(id: string, opts: { record?: string } = {}): Promise<DeviceEmulator> {
  switch (id) {
    case 'contec-cms50-v7':
      return new ContecV7Emulator({ heartRateBpm: 72, spo2: 97 });
    case 'contec-cms50-legacy':
      return new ContecLegacyEmulator({ heartRateBpm: 72, spo2: 97 });
    case 'beurer-bm58':
      return new Bm58Emulator({ memory: recentReadings(new Date()) });
    case 'openbci-cyton':
      return cytonEmulatorFromWfdb(await readWfdbRecord(recordPath(opts.record)));
    case 'openview':
      return openViewEmulatorFromWfdb(await readWfdbRecord(recordPath(opts.record)));
    default:
      throw new ChasquiError('CHASQUI_ERR_USAGE', `no emulator for "${id}" (known: ${EMULATED_DEVICES.join(', ')})`);
  }
}

function recordPath(given: string | undefined): string {
  if (given) return given;
  const data = sharedDataDir();
  if (!data) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', 'no ECG record to play: pass --record FILE.hea (../shared/data is not beside the checkout)');
  return resolve(data, DEFAULT_RECORD);
}

/** Three morning readings of a treated hypertensive patient, the last one today. */
function recentReadings(now: Date): { systolicMmHg: number; diastolicMmHg: number; pulseBpm: number; measuredAt: string }[] {
  const at = (daysAgo: number, hh: string) => {
    const d = new Date(now.getTime() - daysAgo * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${hh}`;
  };
  return [
    { systolicMmHg: 148, diastolicMmHg: 92, pulseBpm: 78, measuredAt: at(2, '07:40') },
    { systolicMmHg: 141, diastolicMmHg: 89, pulseBpm: 74, measuredAt: at(1, '07:55') },
    { systolicMmHg: 136, diastolicMmHg: 86, pulseBpm: 71, measuredAt: at(0, '08:10') },
  ];
}
