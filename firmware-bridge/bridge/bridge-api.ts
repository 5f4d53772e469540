/**
 * The bridge's local HTTP API. It listens on 127.0.0.1 by default: the post
 * node on the same box is its client (and a field engineer through an SSH
 * tunnel, using the monitor page at /).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyCompress from '@fastify/compress';
import { COMPRESS_OPTIONS, serveFavicon } from '../../lib/web/static-delivery.js';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ChasquiError } from '../../lib/errors.js';
import { encodeEcg } from '../../protocol/ecg-codec.js';
import type { DevicePort, TimedReading } from '../serial/device-port.js';
import { captureEcg } from './capture-runner.js';
import { streamReadings, toJson } from './reading-stream.js';

const CaptureBody = Type.Object({ seconds: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false });

export interface BridgeApiDeps {
  ports: Map<string, DevicePort>;
  latest(portId: string): TimedReading[];
  mainsHz: 50 | 60;
  minCaptureSeconds: number;
  maxCaptureSeconds: number;
}

export function bridgeApi(app: FastifyInstance, d: BridgeApiDeps): void {
  const portOf = (id: string): DevicePort => {
    const p = d.ports.get(id);
    if (!p) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no device port "${id}" (configured: ${[...d.ports.keys()].join(', ') || 'none'})`);
    return p;
  };

  // Compression before the static routes, so the monitor page and its script go out compressed.
  void app.register(fastifyCompress, COMPRESS_OPTIONS);
  void app.register(fastifyStatic, { root: join(import.meta.dirname, '../../../firmware-bridge/bridge/public'), index: 'monitor.html' });
  serveFavicon(app);

  app.get('/healthz', async () => {
    const ports = [...d.ports.values()].map((p) => p.status());
    return { ok: true, open: ports.filter((p) => p.state === 'open').length, ports: ports.length };
  });

  app.get('/api/ports', async () => ({
    ports: [...d.ports.values()].map((p) => ({ ...p.status(), latest: d.latest(p.id).map(toJson) })),
  }));

  app.get<{ Params: { id: string } }>('/api/ports/:id/stream', (req, reply) => {
    const port = portOf(req.params.id);
    reply.hijack();
    streamReadings(port, reply.raw);
  });

  app.post<{ Params: { id: string }; Body: Static<typeof CaptureBody> }>('/api/ports/:id/captures', { schema: { body: CaptureBody } }, async (req) => {
    const port = portOf(req.params.id);
    const { seconds } = req.body;
    if (seconds > d.maxCaptureSeconds || seconds < d.minCaptureSeconds) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `a capture lasts ${d.minCaptureSeconds} to ${d.maxCaptureSeconds} s, not ${seconds}`);
    }
    const { recording, quality } = await captureEcg(port, { seconds, mainsHz: d.mainsHz, minSeconds: d.minCaptureSeconds });
    const ecg = encodeEcg(recording);
    return {
      sha256: createHash('sha256').update(ecg).digest('hex'),
      mediaType: 'application/vnd.chasqui.ecg',
      ecg: Buffer.from(ecg).toString('base64'),
      summary: {
        samplingFrequency: recording.samplingFrequency,
        frames: recording.leads[0]?.samples.length ?? 0,
        leads: recording.leads.map((l) => l.name),
        startedAt: recording.startedAt,
        source: recording.source,
      },
      quality,
    };
  });
}
