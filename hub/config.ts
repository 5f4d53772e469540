/** The hub's configuration (README.md#configuration). */
import { Type, type Static } from '@sinclair/typebox';
import { AuditSchema, HttpSchema, LogLevelSchema, MaxBundleSchema, RegionSchema } from '../lib/config-schemas.js';
import { LinkSchema } from '../relay/tuning.js';
import { DEFAULT_THROTTLE } from './broker/login-throttle.js';
import { DEFAULT_GATE_LIMITS, DEFAULT_MAX_PACKET_BYTES } from './broker/packet-gate.js';
import { LinksConfigSchema } from './links/links-config.js';
import { RoutingConfigSchema } from './routing/roster-config.js';

export const HubConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data/hub' }),
    storage: Type.Object(
      {
        keyFile: Type.Optional(Type.String({
          description: 'The file holding the key hub.sqlite is encrypted under (64 hex digits, 0600), kept outside dataDir. ' +
            'Default: $CREDENTIALS_DIRECTORY/hub-db.key under systemd (LoadCredential=), else hub-db.key beside the config file, else beside dataDir (hub/storage/key-location.ts).',
        })),
      },
      { additionalProperties: false, default: {} },
    ),
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
        maxPacketBytes: Type.Integer({
          minimum: 16384, default: DEFAULT_MAX_PACKET_BYTES,
          description: 'Embedded broker: largest MQTT packet accepted after login; the default is just above the largest relay chunk. A bigger one cuts the connection.',
        }),
        preAuthBytes: Type.Integer({
          minimum: 1024, maximum: 1048576, default: DEFAULT_GATE_LIMITS.preAuthBytes,
          description: 'Embedded broker: bytes a connection may send (CONNECT included) before its login is accepted.',
        }),
        toolSessions: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }), {
          default: [], uniqueItems: true,
          description: 'Embedded broker: tool names a post\'s credentials may also connect as, with client id post-<id>:<tool>; such a session may publish as the post but never subscribe.',
        }),
        logins: Type.Object(
          {
            maxFailures: Type.Integer({ minimum: 1, default: DEFAULT_THROTTLE.limiter.maxFailures, description: 'Failed broker logins from one address, or for one post id, before it is locked out.' }),
            windowMs: Type.Integer({ minimum: 1000, default: DEFAULT_THROTTLE.limiter.windowMs }),
            lockMs: Type.Integer({ minimum: 1000, default: DEFAULT_THROTTLE.limiter.lockMs, description: 'How long a locked address or post id is refused without checking its password.' }),
            maxConcurrentChecks: Type.Integer({ minimum: 1, maximum: 4, default: DEFAULT_THROTTLE.maxInFlight, description: 'Broker password checks (scrypt) running at once; the rest wait or are refused.' }),
          },
          { additionalProperties: false, default: {} },
        ),
        registryPollMs: Type.Integer({
          minimum: 50, maximum: 10_000, default: 500,
          description: 'How often the hub looks for posts revoked or re-keyed by the CLI, to cut their live sessions.',
        }),
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
    audit: AuditSchema(1825),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;
