/** The bridge's configuration (README.md#configuration): which device is on which port. */
import { Type, type Static } from '@sinclair/typebox';
import { HttpSchema, LogLevelSchema } from '../../lib/config-schemas.js';

export const PROTOCOL_IDS = ['contec-cms50-v7', 'contec-cms50-legacy', 'openview', 'openbci-cyton', 'beurer-bm58'] as const;

export const PortConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'A name for the port the app shows: "ecg", "oximeter".' }),
    path: Type.String({ minLength: 1, description: 'The serial device, e.g. /dev/serial/by-id/usb-…; by-id paths survive re-plugging into another USB socket.' }),
    protocol: Type.Union(PROTOCOL_IDS.map((p) => Type.Literal(p)), { description: 'Which device protocol speaks on it (`chasqui bridge probe PATH` tells).' }),
    baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 4_000_000, description: 'Overrides the device\'s factory rate.' })),
    parity: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('odd'), Type.Literal('even')])),
    dataBits: Type.Optional(Type.Union([Type.Literal(7), Type.Literal(8)])),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
    leads: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 8, description: 'ECG boards: the lead wired to each channel (OpenBCI default I, II, V1–V6).' })),
  },
  { additionalProperties: false },
);

export const BridgeConfigSchema = Type.Object(
  {
    http: HttpSchema(8070),
    ports: Type.Array(PortConfigSchema, { default: [] }),
    reconnectMs: Type.Integer({ minimum: 100, default: 2000, description: 'How often a missing device is looked for again.' }),
    mainsHz: Type.Union([Type.Literal(50), Type.Literal(60)], { default: 60, description: 'Mains frequency for the ECG noise check (Peru: 60).' }),
    minCaptureSeconds: Type.Integer({ minimum: 1, maximum: 300, default: 10, description: 'Shortest ECG capture accepted: 10 s is the standard 12-lead recording.' }),
    maxCaptureSeconds: Type.Integer({ minimum: 1, maximum: 300, default: 60 }),
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false },
);

export type BridgeConfig = Static<typeof BridgeConfigSchema>;
export type PortConfig = Static<typeof PortConfigSchema>;
