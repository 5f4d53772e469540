/**
 * A post's heartbeat: how it is, in a few hundred bytes, sent on a schedule
 * and when the link comes back. It travels outside the outbox (QoS 0 on the
 * post's own health topic): only the latest matters, so a stale one is never
 * queued or retransmitted, and it never waits behind or delays a case.
 */
export interface Heartbeat {
  /** Format version of this body. */
  v: 1;
  postId: string;
  /** When the post made it (post clock, ISO 8601). */
  at: string;
  /** 'schedule' or 'reconnect'. */
  reason: 'schedule' | 'reconnect';
  software: string;
  uptimeS: number;
  disk: { freeBytes: number; totalBytes: number };
  queue: { items: number; bytes: number; oldestQueuedAt: string | null };
  link: { rttMs: number | null; rateBps: number | null; bytesSent: number; bytesReceived: number };
  /** Board sensors where the hardware exposes them (Raspberry Pi: SoC temperature, supply). */
  board: { temperatureC: number | null; undervoltage: boolean | null; onBattery: boolean | null; batteryPercent: number | null };
}

export const HEARTBEAT_MAX_BYTES = 2048;
