/**
 * The notices the hub may send down to a post, and the one check both ends
 * run on them: the hub before it queues one (hub/hub.ts sendToPost), the
 * post when one arrives (node/inbox-handler.ts). There are two kinds, and
 * neither carries free text a nurse could take for a clinician's words:
 *
 * - `seen`: made by the hub itself when a specialist opens the case
 *   (hub/cases/case-seen.ts); nobody sends it by hand.
 * - `maintenance`: what an operator may say, of fixed shape: a window and a
 *   reason from a short list; the post shows it in its own words. A clinical
 *   message only ever comes from a specialist's answer on the case page
 *   (a counter-reference, protocol/case-messages.ts).
 *
 * Anything else (an unknown type, a missing or extra field) is refused with
 * CHASQUI_ERR_NOTICE_INVALID: at the hub before it leaves, at the post
 * before it is stored.
 */
import { ChasquiError } from '../lib/errors.js';
import type { CaseSeenNotice } from './case-messages.js';

export const MAINTENANCE_REASONS = ['softwareUpdate', 'linkWork', 'powerWork', 'hubDowntime'] as const;
export type MaintenanceReason = (typeof MAINTENANCE_REASONS)[number];

/** An operator's word to a post: the hub or its link will be down from … to …, for this reason. */
export interface MaintenanceNotice {
  type: 'maintenance';
  startsAt: string;
  endsAt: string;
  reason: MaintenanceReason;
}

export type HubNotice = CaseSeenNotice | MaintenanceNotice;

const SHAPES: Record<HubNotice['type'], readonly string[]> = {
  seen: ['type', 'caseId', 'seenAt', 'specialty'],
  maintenance: ['type', 'startsAt', 'endsAt', 'reason'],
};

// ISO 8601 as Date#toISOString writes it (RFC 3339 5.6, UTC), the form every time in a bundle takes.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
// A case id as the post makes them, and a specialty as the routing names them (hub/routing/routing-rules.ts).
const CASE_ID = /^[A-Za-z0-9._-]{1,80}$/;
const SPECIALTY = /^[A-Za-z]{2,40}$/;

function refuse(message: string): never {
  throw new ChasquiError('CHASQUI_ERR_NOTICE_INVALID', message);
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function field(v: Record<string, unknown>, key: string, pattern: RegExp): string {
  const s = v[key];
  if (typeof s !== 'string' || !pattern.test(s) || (pattern === ISO_TIME && !Number.isFinite(Date.parse(s)))) refuse(`${String(v.type)}.${key} is missing or malformed`);
  return s;
}

/** A notice the hub may send, exactly: its type known, every field present and well-formed, no other field. */
export function checkHubNotice(v: unknown): HubNotice {
  if (!isObj(v) || typeof v.type !== 'string' || !Object.hasOwn(SHAPES, v.type)) refuse(`not a notice the hub sends (type ${isObj(v) ? JSON.stringify(v.type) : typeof v})`);
  const type = v.type as HubNotice['type'];
  const extra = Object.keys(v).filter((k) => !SHAPES[type].includes(k));
  if (extra.length) refuse(`a ${type} notice has no field ${extra.join(', ')}`);
  if (type === 'seen') return { type, caseId: field(v, 'caseId', CASE_ID), seenAt: field(v, 'seenAt', ISO_TIME), specialty: field(v, 'specialty', SPECIALTY) };
  const startsAt = field(v, 'startsAt', ISO_TIME);
  const endsAt = field(v, 'endsAt', ISO_TIME);
  if (Date.parse(endsAt) < Date.parse(startsAt)) refuse('maintenance.endsAt is before startsAt');
  if (!(MAINTENANCE_REASONS as readonly unknown[]).includes(v.reason)) refuse(`maintenance.reason is one of ${MAINTENANCE_REASONS.join(', ')}`);
  return { type, startsAt, endsAt, reason: v.reason as MaintenanceReason };
}

/** What an operator may send by hand: a maintenance notice only ("seen" is the hub's own, clinical words a specialist's). */
export function checkOperatorNotice(v: unknown): MaintenanceNotice {
  const n = checkHubNotice(v);
  if (n.type !== 'maintenance') refuse(`a ${n.type} notice is sent only by the hub when a specialist opens the case`);
  return n;
}
