/**
 * A bedside for tests: an emulated pulse oximeter (Contec CMS50, V7 protocol)
 * and blood-pressure monitor (Beurer BM58), optionally a 12-lead ECG board
 * playing LUDB record 1, each on a real pty, read by a real bridge. The
 * cuff's memory holds readings taken relative to the given clock, written
 * on its wall clock in Lima time, as a cuff set up at the post would.
 */
import { join } from 'node:path';
import { buildBridge, type Bridge } from '../../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema } from '../../firmware-bridge/bridge/config.js';
import { readWfdbRecord } from '../../firmware-bridge/ecg/wfdb-files.js';
import { Bm58Emulator } from '../../firmware-bridge/emulators/beurer-bm58-emulator.js';
import { ContecV7Emulator } from '../../firmware-bridge/emulators/contec-cms50-emulator.js';
import { cytonEmulatorFromWfdb } from '../../firmware-bridge/emulators/openbci-cyton-emulator.js';
import { startPtyDevice, type PtyDevice } from '../../firmware-bridge/emulators/pty-device.js';
import type { Clock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { quietLogger } from './logger.js';
import { SHARED_DATA } from './paths.js';
import { waitFor } from './wait.js';

/** The cuff's last reading: 141/89, pulse 74; the oximeter's patient: SpO2 97 ± 1, pulse 72 ± 3. */
export const LAST_PRESSURE = { systolicMmHg: 141, diastolicMmHg: 89, pulseBpm: 74 };

/** "2026-11-23T10:00" on a Lima wall clock (the BM58 stores local time, minutes only). */
export function limaWallTime(ms: number): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'America/Lima', dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms)).replace(' ', 'T');
}

export interface BedsideDevices {
  bridge: Bridge;
  url: string;
  ptys: Map<string, PtyDevice>;
}

export async function startBedside(
  t: { teardown(fn: () => Promise<void> | void): void },
  o: { clock: Clock; lastPressureAgoMs: number; ecg?: boolean },
): Promise<BedsideDevices> {
  const now = o.clock.now();
  const memory = [
    { systolicMmHg: 152, diastolicMmHg: 95, pulseBpm: 80, measuredAt: limaWallTime(now - 2 * 86_400_000) },
    { ...LAST_PRESSURE, measuredAt: limaWallTime(now - o.lastPressureAgoMs) },
  ];
  const devices: Array<{ id: string; protocol: 'openbci-cyton' | 'contec-cms50-v7' | 'beurer-bm58'; emulator: () => Promise<import('../../firmware-bridge/emulators/device-emulator.js').DeviceEmulator> }> = [
    ...(o.ecg ? [{ id: 'ecg', protocol: 'openbci-cyton' as const, emulator: async () => cytonEmulatorFromWfdb(await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'))) }] : []),
    { id: 'oximetro', protocol: 'contec-cms50-v7', emulator: async () => new ContecV7Emulator({ heartRateBpm: 72, spo2: 97 }) },
    { id: 'presion', protocol: 'beurer-bm58', emulator: async () => new Bm58Emulator({ memory }) },
  ];
  const ptys = new Map<string, PtyDevice>();
  for (const d of devices) {
    const pty = await startPtyDevice(await d.emulator());
    t.teardown(() => pty.stop());
    ptys.set(d.id, pty);
  }
  const bridge = buildBridge({
    config: loadConfig(BridgeConfigSchema, { overrides: { http: { port: 0 }, reconnectMs: 200, ports: devices.map((d) => ({ id: d.id, path: ptys.get(d.id)!.path, protocol: d.protocol })) } }),
    logger: quietLogger(),
    clock: o.clock,
  });
  const { url } = await bridge.start();
  t.teardown(() => bridge.stop());
  await waitFor(() => bridge.latest('oximetro').some((r) => r.reading.kind === 'oximetry' && r.reading.spo2 !== null)
    && bridge.latest('presion').some((r) => r.reading.kind === 'bloodPressure' && r.reading.index === memory.length), { what: 'oximeter and cuff readings at the bridge', timeoutMs: 20_000 });
  return { bridge, url, ptys };
}
