/** The post's configuration (README.md#configuration). */
import { Type, type Static } from '@sinclair/typebox';
import { HttpSchema, LogLevelSchema, MaxBundleSchema, AuditSchema, RegionSchema } from '../lib/config-schemas.js';
import { PUBLIC_IDENTITY_PATTERN } from '../protocol/identity.js';
import { LinkSchema } from '../relay/tuning.js';
import { HealthConfigSchema } from './health/health-config.js';

export const PostConfigSchema = Type.Object(
  {
    postId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'This post\'s id; also its MQTT username.' }),
    dataDir: Type.String({ default: './data/post', description: 'Where the SQLite database lives.' }),
    hub: Type.Object(
      {
        url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'The regional broker: mqtts://HUB:8883 (mqtt:// only to loopback).' }),
        ca: Type.Optional(Type.String({ description: 'PEM file of the pinned hub certificate (or its CA), e.g. /etc/chasqui/hub-ca.pem; required for mqtts://.' })),
        password: Type.String({ minLength: 1, description: 'This post\'s broker password (from `chasqui hub add-post`).' }),
        // Optional for the commands that never touch the link (`chasqui post nurse …`); the post itself refuses to start without it.
        identity: Type.Optional(Type.String({
          pattern: PUBLIC_IDENTITY_PATTERN,
          description: 'The hub\'s public keys (`chasqui hub identity`): what reaches the nurse must be signed with them, and cases are sealed to them.',
        })),
        maxMessageAgeDays: Type.Integer({
          minimum: 1, default: 90,
          description: 'A counter-reference or notice signed longer ago than this is refused: an old message cannot be delivered again as new.',
        }),
      },
      { additionalProperties: false },
    ),
    http: HttpSchema(8080),
    bridge: Type.Object(
      { url: Type.String({ default: 'http://127.0.0.1:8070', description: 'The device bridge on this box (`chasqui bridge`).' }) },
      { additionalProperties: false, default: {} },
    ),
    link: LinkSchema,
    health: HealthConfigSchema,
    audit: AuditSchema(180),
    maxBundleBytes: MaxBundleSchema,
    logLevel: LogLevelSchema,
    region: RegionSchema,
  },
  { additionalProperties: false },
);

export type PostConfig = Static<typeof PostConfigSchema>;
