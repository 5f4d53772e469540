/** A plausible heartbeat (a post on VSAT with two cases queued), for tests to vary. */
import type { Heartbeat } from '../../protocol/heartbeat.js';

export function sampleHeartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1, postId: 'post-a', at: '2026-11-23T10:00:00.000Z', reason: 'schedule', software: 'chasqui/0.1.0', uptimeS: 3600,
    disk: { freeBytes: 5e9, totalBytes: 3.2e10 },
    queue: { items: 2, bytes: 120_000, oldestQueuedAt: '2026-11-23T09:00:00.000Z' },
    link: { rttMs: 640, rateBps: 4000, bytesSent: 1_000_000, bytesReceived: 20_000 },
    board: { temperatureC: 51.2, undervoltage: false, onBattery: null, batteryPercent: null },
    ...over,
  };
}
