/** The hub's JSON API: cases received, their attachments, the posts, and messages down to a post. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ChasquiError } from '../../lib/errors.js';
import type { Relay } from '../../relay/relay.js';
import type { HubCaseStore } from '../cases/case-store.js';
import type { CaseThreads } from '../cases/case-threads.js';
import type { Router } from '../routing/router.js';
import { HUB_AREAS } from '../auth/hub-access.js';
import { attachmentHeaders } from '../app/photo-media.js';
import { ecgView } from '../ecg/ecg-view.js';
import { FHIR_JSON, fhirBundleJson } from '../fhir/case-bundle.js';
import type { Clock } from '../../lib/clock.js';
import type { Hub } from '../hub.js';
import type { PostRegistry } from '../posts/post-registry.js';
import type { Db } from '../../lib/sqlite.js';
import { IDEMPOTENCY_KEY, IdempotencyKeys } from './idempotency-keys.js';

const NoticeBody = Type.Object({ body: Type.Unknown(), priority: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('routine')])) });

export function hubApi(
  app: FastifyInstance,
  d: {
    db: Db; cases: HubCaseStore; threads: CaseThreads; posts: PostRegistry; relay: Relay;
    sendToPost: Hub['sendToPost']; router: Router; isConnected: () => boolean; clock: Clock;
  },
): void {
  app.get('/healthz', async () => ({
    ok: true, brokerConnected: d.isConnected(), cases: d.cases.count(),
    sent: d.relay.counters, received: d.relay.inboundCounters,
  }));

  // Clinical content for specialists; the posts and their messages for operators (hub/auth/hub-access.ts).
  const clinical = { preHandler: app.requireUser(HUB_AREAS.cases) };
  const keys = new IdempotencyKeys(d.db);
  const operations = { preHandler: app.requireUser(HUB_AREAS.links) };

  app.get<{ Querystring: { limit?: number } }>('/api/cases', clinical, async (req) => ({ count: d.cases.count(), cases: d.cases.list(req.query.limit) }));

  // A blob is found only by its SHA-256, which only the case view hands out.
  app.get<{ Params: { sha256: string } }>('/api/blobs/:sha256', clinical, async (req, reply) => {
    const bytes = d.cases.blobs.get(req.params.sha256);
    if (!bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `blob ${req.params.sha256}`);
    // What the manifest declared, if the bytes agree; never sniffed by the browser (hub/app/photo-media.ts).
    return reply.headers(attachmentHeaders(d.cases.mediaTypeOf(req.params.sha256) ?? '', bytes, req.params.sha256.slice(0, 16))).send(bytes);
  });

  app.get('/api/posts', operations, async () => ({ posts: d.posts.list() }));

  app.post<{ Params: { postId: string }; Body: Static<typeof NoticeBody> }>(
    '/api/posts/:postId/notices',
    { schema: { body: NoticeBody }, ...operations },
    async (req, reply) => {
      const send = () => d.sendToPost(req.params.postId, { kind: 'notice', body: req.body.body, priority: req.body.priority });
      const key = req.headers['idempotency-key'];
      if (key === undefined) return reply.status(202).send(send());
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'Idempotency-Key must be 16 to 64 letters, digits, - or _');
      // A retry after a lost answer must not queue the notice twice: the first result comes back, with 200.
      const { result, repeated } = keys.once(req.user!.username, key, new Date(d.clock.now()).toISOString(), send);
      return reply.status(repeated ? 200 : 202).send(result);
    },
  );

  type CaseParams = { Params: { postId: string; caseId: string } };
  /** The same rule as the case page: a specialist reaches the cases of their own specialties only. */
  const reviewable = (req: FastifyRequest, postId: string, caseId: string) => {
    const c = d.cases.find(postId, caseId);
    const specialty = d.router.store.get(postId, caseId)?.specialty;
    if (!c) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `case ${caseId} of post ${postId}`);
    if (!specialty || !req.user!.specialties.includes(specialty)) {
      // Recorded like a refused page (hub/app/pages/case-access.ts): an attempt is what an access review looks for.
      app.audit.record({ actor: req.user!.username, action: 'access.denied', target: `${postId}/${caseId}`, detail: { reason: 'specialty' } });
      throw new ChasquiError('CHASQUI_ERR_NOT_AUTHORIZED', `case ${caseId} is for ${specialty ?? 'no specialty yet'}`);
    }
    return c;
  };

  app.get<CaseParams>('/api/posts/:postId/cases/:caseId/fhir', clinical, async (req, reply) => {
    const { postId, caseId } = req.params;
    const c = reviewable(req, postId, caseId);
    app.audit.record({ actor: req.user!.username, action: 'case.export', target: `${postId}/${caseId}`, detail: { format: 'fhir-r4' } });
    const baseUrl = `${req.protocol}://${req.host}`;
    return reply.type(FHIR_JSON).send(fhirBundleJson({ ...c, thread: d.threads.thread(postId, caseId), baseUrl, exportedAt: new Date(d.clock.now()).toISOString() }));
  });

  app.get<{ Params: { postId: string; caseId: string; name: string }; Querystring: { from?: string; seconds?: string } }>(
    '/api/posts/:postId/cases/:caseId/attachments/:name/ecg.json',
    clinical,
    async (req) => {
      const c = reviewable(req, req.params.postId, req.params.caseId);
      const a = c.attachments.find((x) => x.name === req.params.name);
      const bytes = a && d.cases.blobs.get(a.sha256);
      if (!a || !bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG ${req.params.name}`);
      return ecgView(bytes, a.mediaType, { startS: Number(req.query.from ?? 0), seconds: Number(req.query.seconds ?? 10) });
    },
  );
}
