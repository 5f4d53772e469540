/**
 * `chasqui bridge …`: the serial device bridge service, and the field
 * engineer's tools for a port: probe (which device is this?), monitor (what
 * is it saying?) and emulate (a device on a pseudo-terminal, for training
 * and for trying a post without hardware).
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config.js';
import { ChasquiError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { buildBridge } from '../firmware-bridge/bridge/bridge.js';
import { BridgeConfigSchema, PROTOCOL_IDS } from '../firmware-bridge/bridge/config.js';
import { candidates, notRecognised, probePort } from '../firmware-bridge/bridge/probe.js';
import { MonitorThrottle, readingText } from '../firmware-bridge/bridge/reading-text.js';
import { ALL_PROTOCOLS, PROBE_BAUDS, protocolFor } from '../firmware-bridge/devices/protocols.js';
import type { Parity } from '../firmware-bridge/devices/stream-decoder.js';
import { createEmulator, EMULATED_DEVICES } from '../firmware-bridge/emulators/emulators.js';
import { startPtyDevice } from '../firmware-bridge/emulators/pty-device.js';
import { DevicePort } from '../firmware-bridge/serial/device-port.js';
import { runUntilSignal, systemdSupervisor } from './lifecycle.js';

export const BRIDGE_HELP = `  chasqui bridge [--config FILE]               run the serial device bridge (ports from the config file)
  chasqui bridge probe PORT                    say which known device is on a serial port
  chasqui bridge monitor PORT [--protocol ID] [--baud N] [--parity none|odd|even] [--seconds N]
                                               print what the device on PORT says (probes first without --protocol)
  chasqui bridge emulate DEVICE [--link PATH] [--record FILE.hea]
                                               an emulated device on a pseudo-terminal (DEVICE: a protocol id, as in probe's output)
`;

export async function bridgeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, protocol: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' },
      seconds: { type: 'string' }, link: { type: 'string' }, record: { type: 'string' }, 'listen-ms': { type: 'string' },
    },
  });
  const [sub, arg] = positionals;
  if (sub === undefined) return runBridge(values.config);
  if (sub === 'probe' && arg) return probe(arg, Number(values['listen-ms'] ?? 1500));
  if (sub === 'monitor' && arg) return monitor(arg, values);
  if (sub === 'emulate' && arg) return emulate(arg, values.link, values.record);
  throw new ChasquiError('CHASQUI_ERR_USAGE', `usage:\n${BRIDGE_HELP}devices to emulate: ${EMULATED_DEVICES.join(', ')}`);
}

async function runBridge(file: string | undefined): Promise<number> {
  const config = loadConfig(BridgeConfigSchema, { file: file ?? process.env.CHASQUI_CONFIG, env: process.env });
  const logger = createLogger({ name: 'chasqui-bridge', level: config.logLevel });
  const bridge = buildBridge({ config, logger });
  // No database here: alive means the event loop answers.
  const systemd = systemdSupervisor({ env: process.env, logger });
  const { url } = await bridge.start().catch((err: unknown) => { systemd.close(); throw err; });
  logger.info({ url, ports: config.ports.map((p) => `${p.id}=${p.path}`) }, 'bridge ready');
  systemd.ready();
  return runUntilSignal(() => bridge.stop(), logger, systemd);
}

async function probe(path: string, listenMs: number): Promise<number> {
  process.stdout.write(`probing ${path}…\n`);
  const result = await probePort(path, candidates(ALL_PROTOCOLS, PROBE_BAUDS), listenMs);
  for (const a of result.attempts) {
    const s = a.serial;
    process.stdout.write(`  ${a.recognised ? 'YES' : 'no '} ${a.protocol.padEnd(20)} ${s.baudRate} ${s.dataBits}${s.parity[0]!.toUpperCase()}${s.stopBits}  ${a.bytes} bytes, ${a.frames} frames, ${a.droppedBytes} dropped\n`);
  }
  if (!result.found) throw notRecognised(path, result);
  const p = ALL_PROTOCOLS.find((x) => x.id === result.found!.protocol)!;
  process.stdout.write(`${path}: ${p.label} (protocol "${p.id}", ${result.found.serial.baudRate} baud)\n`);
  return 0;
}

type MonitorOptions = { protocol?: string; baud?: string; parity?: string; seconds?: string };

async function monitor(path: string, o: MonitorOptions): Promise<number> {
  let id = o.protocol;
  let baudRate = o.baud ? Number(o.baud) : undefined;
  if (!id) {
    const r = await probePort(path, candidates(ALL_PROTOCOLS, PROBE_BAUDS));
    if (!r.found) throw notRecognised(path, r);
    id = r.found.protocol;
    baudRate ??= r.found.serial.baudRate;
  }
  if (!(PROTOCOL_IDS as readonly string[]).includes(id)) throw new ChasquiError('CHASQUI_ERR_USAGE', `unknown protocol "${id}" (known: ${PROTOCOL_IDS.join(', ')})`);
  const protocol = protocolFor(id as (typeof PROTOCOL_IDS)[number]);
  const serial: { baudRate?: number; parity?: Parity } = {};
  if (baudRate) serial.baudRate = baudRate;
  if (o.parity) serial.parity = o.parity as Parity;
  const logger = createLogger({ name: 'chasqui-monitor', level: 'warn' });
  const port = new DevicePort({ id: 'monitor', path, protocol, serial, clock: systemClock, logger });
  const throttle = new MonitorThrottle();
  port.on('state', (s) => process.stdout.write(`[${s}]${port.status().reason ? ' ' + port.status().reason : ''}\n`));
  port.on('reading', ({ at, reading }) => {
    if (throttle.shouldPrint(reading, at)) process.stdout.write(`${new Date(at).toISOString().slice(11, 23)}  ${readingText(reading)}\n`);
  });
  process.stdout.write(`${path}: ${protocol.label}; Ctrl-C stops\n`);
  port.start();
  const stop = async () => {
    await port.stop();
    const s = port.stats();
    process.stdout.write(`${s.frames} frames, ${s.droppedBytes} bytes dropped, ${s.resyncs} resyncs, ${s.badFrames} bad frames\n`);
  };
  if (o.seconds) {
    await new Promise((r) => setTimeout(r, Number(o.seconds) * 1000));
    await stop();
    return 0;
  }
  return runUntilSignal(stop, logger);
}

async function emulate(device: string, link: string | undefined, record: string | undefined): Promise<number> {
  const emulator = await createEmulator(device, record ? { record } : {});
  const pty = await startPtyDevice(emulator, link ? { path: link } : {});
  process.stdout.write(`emulated ${device} on ${pty.path}; Ctrl-C stops\n`);
  const logger = createLogger({ name: 'chasqui-emulate', level: 'warn' });
  return runUntilSignal(() => pty.stop(), logger);
}
