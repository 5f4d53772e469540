/**
 * Devices and ECG recordings at the post: the live readings of the devices
 * the bridge reads, an ECG capture stored as a recording, and the recording
 * itself for a viewer. A case attaches a recording by id (cases-api.ts).
 */
import { recordAccess, shownIds } from '../auth/access-record.js';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { ChasquiError } from '../../lib/errors.js';
import type { BridgeClient } from '../devices/bridge-client.js';
import { captureEcg } from '../ecg/ecg-capture.js';
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
    const rec = await captureEcg(d, req.body.device, req.body.seconds);
    req.log.info({ recording: rec.id, device: req.body.device, leads: rec.leads.length, durationS: rec.durationS }, 'ECG captured');
    recordAccess(req, { action: 'ecg.capture', target: rec.id, detail: { seconds: req.body.seconds } });
    return reply.status(201).send(rec);
  });

  // The bridge's monitor page and what it reads, through the post: the bridge listens on the box's
  // loopback only, and a nurse's phone on the Wi-Fi reaches the post, not the bridge.
  app.get<{ Params: { '*': string } }>('/puente/*', { preHandler: app.requireNurse }, async (req, reply) => {
    const path = `/${req.params['*']}`;
    if (!/^\/(|monitor\.(js|html)|api\/ports(\/[a-z0-9-]+\/stream)?)$/.test(path)) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', path);
    const abort = new AbortController();
    req.raw.on('close', () => abort.abort());
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const res = await d.bridge.passThrough(path + query, abort.signal);
    reply.status(res.status).header('content-type', res.headers.get('content-type') ?? 'application/octet-stream').header('cache-control', 'no-cache');
    // The monitor is framed by the post's own capture page, and keeps its own <style>: framing by this origin only.
    void reply.header('content-security-policy', BRIDGE_CSP).header('x-frame-options', 'SAMEORIGIN');
    return reply.send(res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream) : '');
  });

  app.get('/api/ecg/recordings', async (req) => {
    const recordings = d.recordings.list();
    recordAccess(req, { action: 'ecg.list', detail: shownIds(recordings) });
    return { recordings };
  });

  app.get<{ Params: { id: string } }>('/api/ecg/recordings/:id', async (req) => {
    const rec = d.recordings.get(req.params.id);
    if (!rec) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG recording ${req.params.id}`);
    recordAccess(req, { action: 'ecg.view', target: rec.id });
    return rec;
  });

  app.get<{ Params: { id: string } }>('/api/ecg/recordings/:id/data', async (req, reply) => {
    const bytes = d.recordings.bytes(req.params.id);
    if (!bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG recording ${req.params.id}`);
    recordAccess(req, { action: 'ecg.data', target: req.params.id });
    return reply.type(ECG_MEDIA_TYPE).send(bytes);
  });
}

const BRIDGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
