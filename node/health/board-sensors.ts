/**
 * The board's own sensors, where the hardware exposes them through sysfs
 * (a Raspberry Pi, a UPS HAT with a Linux power-supply driver). Every value is
 * null when its file is absent or unreadable: a post on a laptop or in a VM
 * reports "unknown", never a made-up zero. Paths are injectable so tests read
 * a folder tree instead of /sys.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Heartbeat } from '../../protocol/heartbeat.js';

export type BoardReading = Heartbeat['board'];

export type BoardPaths = {
  /** Linux thermal zone, millidegrees Celsius (Documentation/ABI/testing/sysfs-class-thermal). */
  thermal: string;
  /** Raspberry Pi firmware throttle flags, hex, the same word `vcgencmd get_throttled` prints. */
  throttled: string;
  /** Linux power-supply class (Documentation/ABI/testing/sysfs-class-power). */
  powerSupply: string;
};

export const PI_PATHS: BoardPaths = {
  thermal: '/sys/class/thermal/thermal_zone0/temp',
  throttled: '/sys/devices/platform/soc/soc:firmware/get_throttled',
  powerSupply: '/sys/class/power_supply',
};

// Raspberry Pi documentation, "vcgencmd get_throttled": bit 0 = under-voltage
// detected now; bit 16 = under-voltage has occurred since boot. Both count: a
// supply that sagged an hour ago is as much a reason to send a technician.
const UNDERVOLTAGE_NOW = 1 << 0;
const UNDERVOLTAGE_SINCE_BOOT = 1 << 16;

async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

export async function readTemperatureC(path: string): Promise<number | null> {
  const t = await readText(path);
  if (t === null || !/^-?\d+$/.test(t)) return null;
  return Math.round(Number(t) / 100) / 10;
}

export async function readUndervoltage(path: string): Promise<boolean | null> {
  const t = await readText(path);
  if (t === null) return null;
  const word = t.replace(/^throttled=/, '').replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,8}$/i.test(word)) return null;
  return (parseInt(word, 16) & (UNDERVOLTAGE_NOW | UNDERVOLTAGE_SINCE_BOOT)) !== 0;
}

/** The first supply whose `type` is Battery: its capacity, and whether it is discharging (the post runs on it). */
export async function readBattery(dir: string): Promise<{ onBattery: boolean | null; batteryPercent: number | null }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return { onBattery: null, batteryPercent: null };
  }
  for (const name of names) {
    if ((await readText(join(dir, name, 'type'))) !== 'Battery') continue;
    const capacity = await readText(join(dir, name, 'capacity'));
    const status = await readText(join(dir, name, 'status'));
    const pct = capacity !== null && /^\d+$/.test(capacity) ? Math.min(100, Number(capacity)) : null;
    return { batteryPercent: pct, onBattery: status === null ? null : status === 'Discharging' };
  }
  return { onBattery: null, batteryPercent: null };
}

export async function readBoard(paths: BoardPaths = PI_PATHS): Promise<BoardReading> {
  const [temperatureC, undervoltage, battery] = await Promise.all([
    readTemperatureC(paths.thermal), readUndervoltage(paths.throttled), readBattery(paths.powerSupply),
  ]);
  return { temperatureC, undervoltage, ...battery };
}
