/** The hub's JSON API: the cases a specialist may open, their attachments, the posts, and maintenance notices down to a post. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ChasquiError, isChasquiError } from '../../lib/errors.js';
import { checkOperatorNotice, type MaintenanceNotice } from '../../protocol/hub-notices.js';
import type { Relay } from '../../relay/relay.js';
import type { HubCaseStore } from '../cases/case-store.js';
import type { CaseThreads } from '../cases/case-threads.js';
import type { Router } from '../routing/router.js';
import { HUB_AREAS } from '../auth/hub-access.js';
import { recordRead, recordRefusal, requireCase, reviewable } from '../auth/case-access.js';
import { caseTarget } from '../auth/case-visibility.js';
import { attachmentHeaders } from '../app/photo-media.js';
import { ecgView } from '../ecg/ecg-view.js';
import { FHIR_JSON, fhirBundleJson } from '../fhir/case-bundle.js';
import type { Clock } from '../../lib/clock.js';
import type { Hub } from '../hub.js';
import type { PostRegistry } from '../posts/post-registry.js';
import type { Db } from '../../lib/sqlite.js';
import { IDEMPOTENCY_KEY, IdempotencyKeys } from './idempotency-keys.js';

const NoticeBody = Type.Object({ body: Type.Unknown(), priority: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('routine')])) });

type CaseParams = { Params: { postId: string; caseId: string } };
type AttachmentParams = { Params: { postId: string; caseId: string; name: string } };

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

  // Clinical content for specialists, and of those only the cases of their specialties (hub/auth/case-visibility.ts);
  // the posts and their maintenance notices for operators (hub/auth/hub-access.ts).
  const clinical = { preHandler: app.requireUser(HUB_AREAS.cases) };
  const keys = new IdempotencyKeys(d.db);
  const operations = { preHandler: app.requireUser(HUB_AREAS.links) };
  const openCase = (req: FastifyRequest<CaseParams>) => requireCase(req, d.router, d.cases.find(req.params.postId, req.params.caseId), req.params.postId, req.params.caseId);

  // The user's reviewable cases only; one entry naming the cases shown, by id.
  app.get<{ Querystring: { limit?: number } }>('/api/cases', clinical, async (req) => {
    const cases = reviewable(req, d.router, d.cases.list(MAX_CASES)).slice(0, clampLimit(req.query.limit));
    recordRead(req, 'case.list', undefined, { via: 'api', count: cases.length, cases: cases.map(caseTarget) });
    return { count: cases.length, cases };
  });

  /**
   * An attachment is reached through its case, never by its SHA-256 alone (the
   * old /api/blobs/:sha256): a blob may belong to two cases of different
   * specialties, and a hash leaked in an export must not open it. Served as
   * what the manifest declared, if the bytes agree; never sniffed (hub/app/photo-media.ts).
   */
  app.get<AttachmentParams>('/api/posts/:postId/cases/:caseId/attachments/:name', clinical, async (req, reply) => {
    const c = openCase(req);
    const a = c.attachments.find((x) => x.name === req.params.name);
    const bytes = a && d.cases.blobs.get(a.sha256);
    if (!a || !bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `attachment ${req.params.name}`);
    recordRead(req, 'case.attachment', caseTarget(c), { attachment: a.name });
    return reply.headers({ ...attachmentHeaders(a.mediaType, bytes, `${c.caseId}-${a.name.replace(/\.[^.]*$/, '')}`), 'cache-control': 'private, no-store' }).send(bytes);
  });

  app.get('/api/posts', operations, async () => ({ posts: d.posts.list() }));

  // An operator's notice is a maintenance notice of fixed shape, nothing else (protocol/hub-notices.ts):
  // "seen" is sent by the hub when a specialist opens the case, clinical words only by a specialist's answer.
  app.post<{ Params: { postId: string }; Body: Static<typeof NoticeBody> }>(
    '/api/posts/:postId/notices',
    { schema: { body: NoticeBody }, ...operations },
    async (req, reply) => {
      let body: MaintenanceNotice;
      try {
        body = checkOperatorNotice(req.body.body);
      } catch (err) {
        if (isChasquiError(err, 'CHASQUI_ERR_NOTICE_INVALID')) {
          const type = (req.body.body as { type?: unknown } | null)?.type;
          recordRefusal(req, req.params.postId, { reason: 'notice', type: typeof type === 'string' ? type.slice(0, 40) : typeof type });
        }
        throw err;
      }
      const send = () => d.sendToPost(req.params.postId, { kind: 'notice', body, priority: req.body.priority });
      const key = req.headers['idempotency-key'];
      const record = (id: string) => recordRead(req, 'notice.send', req.params.postId, { notice: id, type: body.type, reason: body.reason });
      if (key === undefined) {
        const sent = send();
        record(sent.id);
        return reply.status(202).send(sent);
      }
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', 'Idempotency-Key must be 16 to 64 letters, digits, - or _');
      // A retry after a lost answer must not queue the notice twice: the first result comes back, with 200.
      const { result, repeated } = keys.once(req.user!.username, key, new Date(d.clock.now()).toISOString(), send);
      if (!repeated) record(result.id);
      return reply.status(repeated ? 200 : 202).send(result);
    },
  );

  app.get<CaseParams>('/api/posts/:postId/cases/:caseId/fhir', clinical, async (req, reply) => {
    const c = openCase(req);
    recordRead(req, 'case.export', caseTarget(c), { format: 'fhir-r4' });
    const baseUrl = `${req.protocol}://${req.host}`;
    return reply.type(FHIR_JSON).send(fhirBundleJson({ ...c, thread: d.threads.thread(c.postId, c.caseId), baseUrl, exportedAt: new Date(d.clock.now()).toISOString() }));
  });

  app.get<AttachmentParams & { Querystring: { from?: string; seconds?: string } }>(
    '/api/posts/:postId/cases/:caseId/attachments/:name/ecg.json',
    clinical,
    async (req) => {
      const c = openCase(req);
      const a = c.attachments.find((x) => x.name === req.params.name);
      const bytes = a && d.cases.blobs.get(a.sha256);
      if (!a || !bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `ECG ${req.params.name}`);
      const view = ecgView(bytes, a.mediaType, { startS: Number(req.query.from ?? 0), seconds: Number(req.query.seconds ?? 10) });
      recordRead(req, 'case.ecg', caseTarget(c), { attachment: a.name });
      return view;
    },
  );
}

/** How many cases the hub reads to cut the user's from; the answer is at most `limit` (default 500) of those. */
const MAX_CASES = 1000;
function clampLimit(limit: unknown): number {
  const n = Number(limit ?? 500);
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_CASES) : 500;
}
