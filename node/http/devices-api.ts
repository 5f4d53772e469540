/**
 * Devices and ECG recordings at the post: the live readings of the devices
 * the bridge reads, an ECG capture stored as a recording, and the recording
 * itself for a viewer. A case attaches a recording by id (cases-api.ts).
 */
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import { decodeEcg } from '../../protocol/ecg-codec.js';
import type { BridgeClient } from '../devices/bridge-client.js';
import { ECG_MEDIA_TYPE, type EcgRecordingStore } from '../ecg/ecg-recordings.js';

const CaptureBody = Type.Object({
  device: Type.String({ minLength: 1, maxLength: 32 }),
  seconds: Type.Number({ minimum: 1, maximum: 60, default: 10 }),
}, { additionalProperties: false });

export function devicesApi(app: FastifyInstance, d: { bridge: BridgeClient; recordings: EcgRecordingStore; clock: Clock }): void {
  app.get('/api/devices', async () => d.bridge.ports());

  app.get<{ Params: { id: string } }>('/api/devices/:id/stream', async (req, reply) => {
    const abort = new AbortController();
    const upstream = await d.bridge.stream(req.params.id, abort.signal);
    req.raw.on('close', () => abort.abort());
    reply.header('content-type', 'text/event-stream').header('cache-control', 'no-cache');
    return reply.send(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream));
  });

  app.post<{ Body: Static<typeof CaptureBody> }>('/api/ecg/captures', { schema: { body: CaptureBody } }, async (req, reply) => {
    const cap = await d.bridge.capture(req.body.device, req.body.seconds);
    const bytes = Buffer.from(cap.ecg, 'base64');
    // Decode before keeping: what is stored must be a recording a specialist can open.
    decodeEcg(bytes);
    const rec = d.recordings.add(bytes, { source: cap.summary.source ?? req.body.device, quality: cap.quality, now: new Date(d.clock.now()) });
    req.log.info({ recording: rec.id, device: req.body.device, leads: rec.leads.length, durationS: rec.durationS }, 'ECG captured');
    return reply.status(201).send(rec);
  });

  app.get('/api/ecg/recordings', async () => ({ recordings: d.recordings.list() }));

  app.get<{ Params: { id: string } }>('/api/ecg/recordings/:id', async (req) => {
    const rec = d.recordings.get(req.params.id);
    if (!rec) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG recording ${req.params.id}`);
    return rec;
  });

  app.get<{ Params: { id: string } }>('/api/ecg/recordings/:id/data', async (req, reply) => {
    const bytes = d.recordings.bytes(req.params.id);
    if (!bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG recording ${req.params.id}`);
    return reply.type(ECG_MEDIA_TYPE).send(bytes);
  });
}
