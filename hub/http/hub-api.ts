/** The hub's JSON API: cases received, their attachments, the posts, and messages down to a post. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ChasquiError } from '../../lib/errors.js';
import type { Relay } from '../../relay/relay.js';
import type { HubCaseStore } from '../cases/case-store.js';
import type { Hub } from '../hub.js';
import type { PostRegistry } from '../posts/post-registry.js';

const NoticeBody = Type.Object({ body: Type.Unknown(), priority: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('routine')])) });

export function hubApi(
  app: FastifyInstance,
  d: { cases: HubCaseStore; posts: PostRegistry; relay: Relay; sendToPost: Hub['sendToPost']; isConnected: () => boolean },
): void {
  app.get('/healthz', async () => ({
    ok: true, brokerConnected: d.isConnected(), cases: d.cases.count(),
    sent: d.relay.counters, received: d.relay.inboundCounters,
  }));

  app.get<{ Querystring: { limit?: number } }>('/api/cases', async (req) => ({ count: d.cases.count(), cases: d.cases.list(req.query.limit) }));

  app.get<{ Params: { sha256: string } }>('/api/blobs/:sha256', async (req, reply) => {
    const bytes = d.cases.blobs.get(req.params.sha256);
    if (!bytes) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `blob ${req.params.sha256}`);
    return reply.type('application/octet-stream').send(bytes);
  });

  app.get('/api/posts', async () => ({ posts: d.posts.list() }));

  app.post<{ Params: { postId: string }; Body: Static<typeof NoticeBody> }>(
    '/api/posts/:postId/notices',
    { schema: { body: NoticeBody } },
    async (req, reply) => reply.status(202).send(d.sendToPost(req.params.postId, { kind: 'notice', body: req.body.body, priority: req.body.priority })),
  );
}
