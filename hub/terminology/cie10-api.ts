/**
 * GET /api/cie10?q=hipert — the classification searched by code or words
 * (`results`), and `exact`: the one code the query is, if it is one,
 * for the counter-reference form's suggestions (hub/app/public/cie10-field.js).
 * Specialists only, as the form is theirs (hub/auth/hub-access.ts); the
 * classification holds no patient data, so nothing is audited.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HUB_AREAS } from '../auth/hub-access.js';
import type { Cie10 } from './cie10.js';

const Query = Type.Object({
  q: Type.String({ maxLength: 100 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});

export function cie10Api(app: FastifyInstance, cie10: Cie10): void {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/api/cie10',
    { schema: { querystring: Query }, preHandler: app.requireUser(HUB_AREAS.cases) },
    async (req, reply) => {
      const { q, limit } = req.query;
      // The same query always answers the same: a day's caching spares the link a round trip per keystroke.
      return reply.header('cache-control', 'private, max-age=86400').send({ query: q, exact: cie10.lookup(q) ?? null, results: cie10.search(q, limit ?? 20) });
    },
  );
}
