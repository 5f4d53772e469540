/** The hub's configuration (README.md#configuration). */
import { Type, type Static } from '@sinclair/typebox';
import { HttpSchema, LogLevelSchema, MaxBundleSchema, RegionSchema } from '../lib/config-schemas.js';
import { LinkSchema } from '../relay/tuning.js';
import { LinksConfigSchema } from './links/links-config.js';
import { RoutingConfigSchema } from './routing/roster-config.js';

export const HubConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data/hub' }),
    broker: Type.Object(
      {
        mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded' }),
        host: Type.String({ default: '0.0.0.0', description: 'Embedded broker: listen address.' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8883, description: 'Embedded broker: listen port (8883: MQTT over TLS).' }),
        tls: Type.Object(
          {
            enabled: Type.Boolean({ default: true, description: 'Embedded broker: TLS on the listener. false is allowed only with a loopback broker.host.' }),
            cert: Type.Optional(Type.String({ description: 'PEM certificate; default <dataDir>/tls/hub-cert.pem, made by `chasqui hub init` or on first start.' })),
            key: Type.Optional(Type.String({ description: 'PEM private key; default <dataDir>/tls/hub-key.pem (0600).' })),
          },
          { additionalProperties: false, default: {} },
        ),
        url: Type.Optional(Type.String({ description: 'External broker URL, e.g. mqtts://broker:8883 (mqtt:// only to loopback).' })),
        ca: Type.Optional(Type.String({ description: 'External broker: PEM file of its pinned certificate or CA; required for mqtts://.' })),
        username: Type.String({ default: 'chasqui-hub', description: 'The hub\'s broker account.' }),
        password: Type.Optional(Type.String({ description: 'External broker: the hub account\'s password.' })),
      },
      { additionalProperties: false, default: {} },
    ),
    http: HttpSchema(8090),
    link: LinkSchema,
    maxBundleBytes: MaxBundleSchema,
    routing: RoutingConfigSchema,
    links: LinksConfigSchema,
    /** How often the service-level clock is checked for cases nobody opened in time. */
    slaTickMs: Type.Integer({ minimum: 100, default: 60_000 }),
    logLevel: LogLevelSchema,
    region: RegionSchema,
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;
