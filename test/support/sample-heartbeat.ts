/**
 * A plausible heartbeat (a post on VSAT with two cases queued), for tests to vary.
 * Its times are relative to `at` (a fixed instant unless the test passes its
 * clock's), so no test depends on the day it runs: a queued case is an hour
 * old whatever the date.
 */
import type { Heartbeat } from '../../protocol/heartbeat.js';

export const SAMPLE_HEARTBEAT_AT = '2026-11-23T10:00:00.000Z';
const HOUR = 3_600_000;

export function sampleHeartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  const at = over.at ?? SAMPLE_HEARTBEAT_AT;
  // A test passing a malformed `at` still gets a sample: its queue age then hangs off the fixed instant.
  const base = Number.isFinite(Date.parse(at)) ? Date.parse(at) : Date.parse(SAMPLE_HEARTBEAT_AT);
  return {
    v: 1, postId: 'post-a', at, reason: 'schedule', software: 'chasqui/0.1.0', uptimeS: 3600,
    disk: { freeBytes: 5e9, totalBytes: 3.2e10 },
    queue: { items: 2, bytes: 120_000, oldestQueuedAt: new Date(base - HOUR).toISOString() },
    link: { rttMs: 640, rateBps: 4000, bytesSent: 1_000_000, bytesReceived: 20_000 },
    board: { temperatureC: 51.2, undervoltage: false, onBattery: null, batteryPercent: null },
    ...over,
  };
}
