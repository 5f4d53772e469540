/**
 * The bridge's composition root: one DevicePort per configured port, the
 * latest numerics of each, and the local HTTP API the post (and a field
 * engineer's browser) reads. Built here, started by `start()`, undone by
 * `stop()`; nothing opens at import.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../lib/clock.js';
import { installErrorHandler } from '../../lib/http-errors.js';
import type { DeviceProtocol } from '../devices/stream-decoder.js';
import { protocolFor } from '../devices/protocols.js';
import { DevicePort, type TimedReading } from '../serial/device-port.js';
import { bridgeApi } from './bridge-api.js';
import type { BridgeConfig, PortConfig } from './config.js';

/** Waveforms change hundreds of times a second and travel on the stream; the rest is kept as "latest". */
const WAVEFORMS = new Set(['ecg', 'pleth', 'respiration']);

export interface BridgeDeps {
  config: BridgeConfig;
  logger: Logger;
  clock?: Clock;
}

export interface Bridge {
  app: FastifyInstance;
  ports: Map<string, DevicePort>;
  /** The last non-waveform reading of each kind, per port. */
  latest(portId: string): TimedReading[];
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

export function buildBridge(deps: BridgeDeps): Bridge {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const ports = new Map<string, DevicePort>();
  const latest = new Map<string, Map<string, TimedReading>>();
  for (const pc of config.ports) {
    const port = new DevicePort({
      id: pc.id,
      path: pc.path,
      protocol: protocolOf(pc),
      serial: serialOverrides(pc),
      reconnectMs: config.reconnectMs,
      clock,
      logger: logger.child({ mod: 'device-port' }),
    });
    const last = new Map<string, TimedReading>();
    latest.set(pc.id, last);
    port.on('reading', (r) => {
      if (!WAVEFORMS.has(r.reading.kind)) last.set(r.reading.kind, r);
    });
    port.on('state', (state) => logger.info({ port: pc.id, state, reason: port.status().reason }, 'device port state'));
    ports.set(pc.id, port);
  }
  const app: FastifyInstance = Fastify({ loggerInstance: logger.child({ mod: 'bridge-http' }) as FastifyBaseLogger });
  installErrorHandler(app);
  const latestOf = (id: string): TimedReading[] => [...(latest.get(id)?.values() ?? [])];
  bridgeApi(app, { ports, latest: latestOf, mainsHz: config.mainsHz, minCaptureSeconds: config.minCaptureSeconds, maxCaptureSeconds: config.maxCaptureSeconds });

  return {
    app,
    ports,
    latest: latestOf,
    async start() {
      for (const p of ports.values()) p.start();
      const url = await app.listen({ host: config.http.host, port: config.http.port });
      return { url };
    },
    async stop() {
      await app.close();
      await Promise.all([...ports.values()].map((p) => p.stop()));
    },
  };
}

function protocolOf(pc: PortConfig): DeviceProtocol {
  return protocolFor(pc.protocol, pc.leads ? { leads: pc.leads } : {});
}

function serialOverrides(pc: PortConfig): Partial<DeviceProtocol['serial']> {
  const o: Partial<DeviceProtocol['serial']> = {};
  if (pc.baudRate !== undefined) o.baudRate = pc.baudRate;
  if (pc.parity !== undefined) o.parity = pc.parity;
  if (pc.dataBits !== undefined) o.dataBits = pc.dataBits;
  if (pc.stopBits !== undefined) o.stopBits = pc.stopBits;
  return o;
}
