/** The post's `health` config section. */
import { Type, type Static } from '@sinclair/typebox';

export const HealthConfigSchema = Type.Object(
  {
    // Five minutes: about 300 B each, ~86 kB a day, affordable on a metered VSAT or GSM link.
    intervalS: Type.Integer({ minimum: 10, default: 300, description: 'Seconds between heartbeats (one is also sent at every reconnect).' }),
  },
  { additionalProperties: false, default: {} },
);

export type HealthConfig = Static<typeof HealthConfigSchema>;
