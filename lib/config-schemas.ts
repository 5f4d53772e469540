/** Config sections every Chasqui program has, so post and hub describe them once. */
import { FormatRegistry, Type } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { DNS_NAME } from './tls/self-signed-certificate.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from './time-zone.js';

export function HttpSchema(defaultPort: number) {
  return Type.Object(
    {
      host: Type.String({ default: '127.0.0.1', description: 'Listen address; 0.0.0.0 to serve phones on the post\'s Wi-Fi.' }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
      tls: Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({
            description: 'HTTPS (README.md#how-a-phone-trusts-the-post). Unset: on when host is not loopback, off on loopback (tests, the demo). false off loopback starts with a warning.',
          })),
          cert: Type.Optional(Type.String({ description: 'PEM certificate (with its chain); default <dataDir>/tls/web-cert.pem, made by the app (`chasqui post|hub certificate`).' })),
          key: Type.Optional(Type.String({ description: 'PEM private key of cert; default <dataDir>/tls/web-key.pem (0600).' })),
          names: Type.Array(Type.String({ pattern: DNS_NAME.source }), {
            default: [], description: 'The app\'s own certificate: DNS names it is reached by, beyond the box\'s hostname and localhost.',
          }),
          ips: Type.Array(Type.String({ format: 'ip' }), {
            default: [], description: 'The app\'s own certificate: addresses it is reached by, beyond the box\'s own (os.networkInterfaces) and loopback.',
          }),
        },
        { additionalProperties: false, default: {} },
      ),
    },
    { additionalProperties: false, default: {} },
  );
}

export const LogLevelSchema = Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' });

export const MaxBundleSchema = Type.Integer({ minimum: 65536, default: 64 * 1024 * 1024, description: 'Largest bundle accepted, in bytes.' });

// Registered where the schema is defined, so every program that loads a config checks zones the same way.
FormatRegistry.Set('time-zone', isTimeZone);
FormatRegistry.Set('ip', (v) => isIP(v) !== 0);

export const RegionSchema = Type.Object(
  {
    timeZone: Type.String({
      format: 'time-zone', default: DEFAULT_TIME_ZONE,
      description: 'The IANA time zone every date and time on the pages, access log and printout is shown in, labelled (e.g. America/Bogota).',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** How long each side keeps its access log; a post also says how often its log goes up to the hub. */
export function AuditSchema(retentionDays: number) {
  return Type.Object(
    {
      retentionDays: Type.Integer({
        minimum: 30, default: retentionDays,
        description: 'Access-log entries older than this are removed (at a post, only once the hub holds them); the chain verifies from the cut.',
      }),
      shipEveryMinutes: Type.Integer({
        minimum: 1, default: 15,
        description: 'A post: how often its new access-log entries are queued for the hub (bulk: they never travel ahead of a case).',
      }),
    },
    { additionalProperties: false, default: {} },
  );
}
