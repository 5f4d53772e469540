/**
 * Checks a heartbeat body as it arrives from the network. Pure: the hub's
 * ingest calls it before anything is stored. A heartbeat is small and fixed
 * in shape, so anything larger than HEARTBEAT_MAX_BYTES, any unknown shape and
 * any number that is not finite and non-negative is refused whole: a value
 * that made it into the link-health store would feed alarms and metrics.
 */
import { ChasquiError } from '../lib/errors.js';
import { HEARTBEAT_MAX_BYTES, type Heartbeat } from './heartbeat.js';
import { isValidPostId } from './topics.js';

type Obj = Record<string, unknown>;

function bad(why: string): never {
  throw new ChasquiError('CHASQUI_ERR_MALFORMED_MESSAGE', `heartbeat: ${why}`);
}

function obj(v: unknown, name: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${name} must be an object`);
  return v as Obj;
}

function count(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`${name} must be a finite non-negative number`);
  return v;
}

function countOrNull(v: unknown, name: string): number | null {
  return v === null ? null : count(v, name);
}

function boolOrNull(v: unknown, name: string): boolean | null {
  if (v !== null && typeof v !== 'boolean') bad(`${name} must be true, false or null`);
  return v;
}

function time(v: unknown, name: string): string {
  // ISO 8601 as Date#toISOString writes it; a free-form date would sort wrongly in SQLite.
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(v) || Number.isNaN(Date.parse(v))) {
    bad(`${name} must be an ISO 8601 UTC time`);
  }
  return v;
}

function text(v: unknown, name: string, max: number): string {
  if (typeof v !== 'string' || v.length > max) bad(`${name} must be a string of at most ${max} characters`);
  return v;
}

/** Parses and checks a received heartbeat; throws CHASQUI_ERR_MALFORMED_MESSAGE otherwise. */
export function parseHeartbeat(payload: Buffer): Heartbeat {
  if (payload.length > HEARTBEAT_MAX_BYTES) bad(`${payload.length} bytes exceeds ${HEARTBEAT_MAX_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    bad('not JSON');
  }
  return checkHeartbeat(raw);
}

export function checkHeartbeat(raw: unknown): Heartbeat {
  const h = obj(raw, 'body');
  if (h.v !== 1) bad('unknown version');
  if (typeof h.postId !== 'string' || !isValidPostId(h.postId)) bad('postId is not a valid post id');
  if (h.reason !== 'schedule' && h.reason !== 'reconnect') bad('reason must be schedule or reconnect');
  const disk = obj(h.disk, 'disk');
  const queue = obj(h.queue, 'queue');
  const link = obj(h.link, 'link');
  const board = obj(h.board, 'board');
  return {
    v: 1, postId: h.postId, at: time(h.at, 'at'), reason: h.reason,
    software: text(h.software, 'software', 64), uptimeS: count(h.uptimeS, 'uptimeS'),
    disk: { freeBytes: count(disk.freeBytes, 'disk.freeBytes'), totalBytes: count(disk.totalBytes, 'disk.totalBytes') },
    queue: {
      items: count(queue.items, 'queue.items'), bytes: count(queue.bytes, 'queue.bytes'),
      oldestQueuedAt: queue.oldestQueuedAt === null ? null : time(queue.oldestQueuedAt, 'queue.oldestQueuedAt'),
    },
    link: {
      rttMs: countOrNull(link.rttMs, 'link.rttMs'), rateBps: countOrNull(link.rateBps, 'link.rateBps'),
      bytesSent: count(link.bytesSent, 'link.bytesSent'), bytesReceived: count(link.bytesReceived, 'link.bytesReceived'),
    },
    board: {
      temperatureC: board.temperatureC === null ? null : finite(board.temperatureC, 'board.temperatureC'),
      undervoltage: boolOrNull(board.undervoltage, 'board.undervoltage'),
      onBattery: boolOrNull(board.onBattery, 'board.onBattery'),
      batteryPercent: countOrNull(board.batteryPercent, 'board.batteryPercent'),
    },
  };
}

/** A SoC temperature may be below zero in an unheated post in the Andes at night; it must still be a number. */
function finite(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${name} must be a finite number`);
  return v;
}
