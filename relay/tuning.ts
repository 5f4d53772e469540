/**
 * The relay's configuration section, shared by post and hub configs. Defaults
 * suit a 64 kbit/s VSAT link; README.md#configuration documents each key.
 */
import { Type, type Static } from '@sinclair/typebox';
import { chunkSizeForRate } from '../protocol/chunking.js';
import type { RelayTuning } from './relay.js';

export const LinkSchema = Type.Object(
  {
    expectedRateBps: Type.Integer({ minimum: 1200, default: 64000, description: 'Nominal link rate; sets the chunk size (about one second of link time).' }),
    chunkSize: Type.Optional(Type.Integer({ minimum: 1024, maximum: 262144, description: 'Override the chunk size in bytes.' })),
    maxWindowBytes: Type.Integer({ minimum: 4096, default: 1048576, description: 'Upper bound on unacknowledged bytes.' }),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 600, default: 20, description: 'MQTT keepalive; a dead link is noticed after about 1.5 times this.' }),
    reconnectMs: Type.Integer({ minimum: 100, default: 1000, description: "Pause between reconnection attempts; cheap, and each second counts after an outage." }),
    connectTimeoutMs: Type.Integer({ minimum: 1000, default: 30000 }),
    minRtoMs: Type.Integer({ minimum: 50, default: 3000, description: 'Shortest wait for an acknowledgement before asking for status.' }),
    maxRtoMs: Type.Integer({ minimum: 1000, default: 60000 }),
    initialRtoMs: Type.Integer({ minimum: 50, default: 5000, description: 'Wait before the first round trip has been measured.' }),
    tickMs: Type.Integer({ minimum: 10, default: 100, description: "How often the relay checks timers and the pacer." }),
  },
  { additionalProperties: false, default: {} },
);

export type LinkConfig = Static<typeof LinkSchema>;

export function relayTuning(link: LinkConfig, maxBundleBytes: number): RelayTuning {
  return {
    chunkSize: link.chunkSize ?? chunkSizeForRate(link.expectedRateBps),
    maxWindowBytes: link.maxWindowBytes,
    maxBundleBytes,
    minRtoMs: link.minRtoMs,
    maxRtoMs: link.maxRtoMs,
    initialRtoMs: link.initialRtoMs,
    tickMs: link.tickMs,
  };
}
