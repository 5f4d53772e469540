/**
 * A post's access log on its way to the hub: a run of consecutive entries,
 * each with the hash the post chained it with (lib/auth/audit-chain.ts) and
 * the hash before the first, so the hub can check the run on its own and
 * against what it already holds. Travels at bulk priority, signed and sealed
 * like a case, so a region's data protection officer reads every post's
 * accesses in one place and a log wiped on a stolen box is still at the hub.
 * Pure shapes and checks; the hub refuses a batch that does not parse.
 */
import { ChasquiError } from '../lib/errors.js';

export type ShippedEntry = {
  id: number; at: number; actor: string; action: string; target: string | null; detail: string | null;
  origin: string | null; outcome: string; hash: string;
};

export type AuditBatch = { format: 1; prev: string; entries: ShippedEntry[] };

export const MAX_BATCH_ENTRIES = 500;
const HASH = /^[0-9a-f]{64}$/;

function refuse(why: string): never {
  throw new ChasquiError('CHASQUI_ERR_BUNDLE_MALFORMED', `audit batch: ${why}`);
}

const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const textOrNull = (v: unknown, max: number): boolean => v === null || text(v, max);

function checkEntry(e: unknown, i: number): ShippedEntry {
  const r = e as Record<string, unknown>;
  const ok = !!r && typeof r === 'object' && Number.isSafeInteger(r.id) && (r.id as number) > 0 && Number.isSafeInteger(r.at) &&
    text(r.actor, 128) && text(r.action, 64) && textOrNull(r.target, 256) && textOrNull(r.detail, 16_384) &&
    textOrNull(r.origin, 64) && (r.outcome === 'allowed' || r.outcome === 'refused') && typeof r.hash === 'string' && HASH.test(r.hash);
  if (!ok) refuse(`entry ${i} is not an access-log entry`);
  const { id, at, actor, action, target, detail, origin, outcome, hash } = r as ShippedEntry;
  return { id, at, actor, action, target, detail, origin, outcome, hash };
}

/** Checks a batch's shape: consecutive ids, hex hashes, bounded text; never trusts a field it did not check. */
export function parseAuditBatch(body: unknown): AuditBatch {
  const b = body as Record<string, unknown>;
  if (!b || typeof b !== 'object' || b.format !== 1) refuse('unknown format');
  if (typeof b.prev !== 'string' || !HASH.test(b.prev)) refuse('prev is not a hash');
  if (!Array.isArray(b.entries) || !b.entries.length || b.entries.length > MAX_BATCH_ENTRIES) refuse(`1 to ${MAX_BATCH_ENTRIES} entries`);
  const entries = b.entries.map(checkEntry);
  entries.forEach((e, i) => {
    if (i && e.id !== entries[i - 1]!.id + 1) refuse(`entry ${e.id} does not follow ${entries[i - 1]!.id}`);
  });
  return { format: 1, prev: b.prev, entries };
}

/** The bundle id a batch travels under: the same run is the same transfer, however often it is offered. */
export function auditBatchId(postId: string, batch: AuditBatch): string {
  return `audit-${postId}-${batch.entries[0]!.id}-${batch.entries.at(-1)!.id}`;
}
