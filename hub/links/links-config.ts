/** The hub's `links` config section: when a post's link counts as online, silent or stuck. */
import { Type, type Static } from '@sinclair/typebox';

export const LinksConfigSchema = Type.Object(
  {
    heartbeatIntervalS: Type.Integer({ minimum: 10, default: 300, description: 'The posts\' health.intervalS; online means heard from within twice this.' }),
    silentAfterMinutes: Type.Integer({ minimum: 1, default: 60, description: 'Flag a post silent after this long without a heartbeat.' }),
    stuckAfterHours: Type.Integer({ minimum: 1, default: 24, description: 'Flag a queue or a partial transfer older than this as stuck.' }),
    keepDays: Type.Integer({ minimum: 1, default: 30, description: 'How long heartbeat history is kept.' }),
  },
  { additionalProperties: false, default: {} },
);

export type LinksConfig = Static<typeof LinksConfigSchema>;
