/**
 * The post's case API. JSON with base64 attachments for now; the nurse app
 * (issue 4) adds streamed multipart uploads in front of the same service.
 * Images pass the photo pipeline here (prepareAttachments), as the nurse
 * app's do on upload: no path lets a photo's metadata leave the post.
 */
import { recordAccess, shownIds } from '../auth/access-record.js';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ChasquiError } from '../../lib/errors.js';
import type { AttachmentInput } from '../../protocol/bundle.js';
import type { CaseService } from '../cases/case-service.js';
import { ECG_MEDIA_TYPE, type EcgRecordingStore } from '../ecg/ecg-recordings.js';
import { prepareAttachments } from '../photos/photo-attachments.js';

const SubmitBody = Type.Object({
  // Chosen by the client (a UUID), so a request retried after a lost response is the same case.
  caseId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$' }),
  priority: Type.Union([Type.Literal('urgent'), Type.Literal('routine')]),
  body: Type.Record(Type.String(), Type.Unknown()),
  attachments: Type.Array(
    Type.Union([
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200 }),
        mediaType: Type.String({ minLength: 3, maxLength: 100 }),
        dataBase64: Type.String(),
      }, { additionalProperties: false }),
      // An ECG captured or imported earlier at this post (POST /api/ecg/captures).
      Type.Object({ ecgRecordingId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    ]),
    { maxItems: 50, default: [] },
  ),
});

type AttachmentBody = Static<typeof SubmitBody>['attachments'][number];

function attachmentOf(a: AttachmentBody, recordings: EcgRecordingStore): AttachmentInput {
  if (!('ecgRecordingId' in a)) return { name: a.name, mediaType: a.mediaType, bytes: Buffer.from(a.dataBase64, 'base64') };
  const bytes = recordings.bytes(a.ecgRecordingId);
  if (!bytes) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `no ECG recording ${a.ecgRecordingId} at this post`);
  return { name: `ecg-${a.ecgRecordingId}.cqe`, mediaType: ECG_MEDIA_TYPE, bytes };
}

export function casesApi(app: FastifyInstance, cases: CaseService, recordings: EcgRecordingStore): void {
  app.post<{ Body: Static<typeof SubmitBody> }>('/api/cases', { schema: { body: SubmitBody } }, async (req, reply) => {
    const { view, created } = cases.submit({
      caseId: req.body.caseId,
      priority: req.body.priority,
      body: req.body.body,
      // The pipeline is deterministic, so a retried request builds the same bundle and stays the same case.
      attachments: await prepareAttachments(req.body.attachments.map((a) => attachmentOf(a, recordings))),
    });
    req.log.info({ caseId: view.caseId, bundle: view.bundleId, created }, 'case submitted');
    if (created) recordAccess(req, { action: 'case.send', target: view.caseId, detail: { bundle: view.bundleId, bytes: view.bundleSize } });
    return reply.status(created ? 201 : 200).send(view);
  });

  app.get<{ Querystring: { limit?: number } }>('/api/cases', async (req) => {
    const list = cases.list(req.query.limit);
    recordAccess(req, { action: 'case.list', detail: shownIds(list.map((c) => ({ id: c.caseId }))) });
    return { cases: list };
  });

  app.get<{ Params: { id: string } }>('/api/cases/:id', async (req) => {
    const view = cases.get(req.params.id);
    if (!view) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${req.params.id}`);
    recordAccess(req, { action: 'case.view', target: view.caseId });
    return view;
  });
}
