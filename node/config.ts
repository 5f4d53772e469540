/** The post's configuration (README.md#configuration). */
import { Type, type Static } from '@sinclair/typebox';
import { LinkSchema } from '../relay/tuning.js';

export const PostConfigSchema = Type.Object(
  {
    postId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'This post\'s id; also its MQTT username.' }),
    dataDir: Type.String({ default: './data/post', description: 'Where the SQLite database lives.' }),
    hub: Type.Object(
      {
        url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'The regional broker.' }),
        password: Type.String({ minLength: 1, description: 'This post\'s broker password (from `chasqui hub add-post`).' }),
      },
      { additionalProperties: false },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { additionalProperties: false, default: {} },
    ),
    link: LinkSchema,
    maxBundleBytes: Type.Integer({ minimum: 65536, default: 64 * 1024 * 1024 }),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type PostConfig = Static<typeof PostConfigSchema>;
