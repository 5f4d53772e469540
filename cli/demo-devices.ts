/**
 * The demo's bedside: emulated devices on pseudo-terminals (a 12-lead ECG
 * board playing a real recording, a pulse oximeter, a blood-pressure
 * monitor) read by a real bridge, so a newcomer sees live traces and
 * readings, and can take an ECG capture, without hardware.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { buildBridge } from '../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema } from '../firmware-bridge/bridge/config.js';
import type { ProtocolId } from '../firmware-bridge/devices/stream-decoder.js';
import { createEmulator, sharedDataDir } from '../firmware-bridge/emulators/emulators.js';
import { startPtyDevice, type PtyDevice } from '../firmware-bridge/emulators/pty-device.js';

const DEVICES: Array<{ id: string; protocol: ProtocolId; needsRecord: boolean }> = [
  { id: 'ecg', protocol: 'openbci-cyton', needsRecord: true },
  { id: 'oximetro', protocol: 'contec-cms50-v7', needsRecord: false },
  { id: 'presion', protocol: 'beurer-bm58', needsRecord: false },
];

export interface DemoDevices {
  url: string;
  summary: string;
  stop(): Promise<void>;
}

export async function startDemoDevices(dir: string, port: number, logger: Logger): Promise<DemoDevices> {
  if (spawnSync('socat', ['-V']).error) {
    return { url: `http://127.0.0.1:${port}`, summary: 'devices: none (install socat to see emulated ECG, oximeter and blood-pressure devices)', stop: async () => {} };
  }
  mkdirSync(dir, { recursive: true });
  const wanted = DEVICES.filter((d) => !d.needsRecord || sharedDataDir());
  const ptys: PtyDevice[] = [];
  for (const d of wanted) ptys.push(await startPtyDevice(await createEmulator(d.protocol), { path: join(dir, d.id) }));
  const config = loadConfig(BridgeConfigSchema, {
    overrides: { http: { port }, ports: wanted.map((d, i) => ({ id: d.id, path: ptys[i]!.path, protocol: d.protocol })), reconnectMs: 500 },
  });
  const bridge = buildBridge({ config, logger });
  const { url } = await bridge.start();
  return {
    url,
    summary: `bridge ${url}/             live devices: ${wanted.map((d) => d.id).join(', ')} (emulated on ptys in ${dir})`,
    async stop() {
      await bridge.stop();
      for (const p of ptys) await p.stop();
    },
  };
}
