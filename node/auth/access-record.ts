/**
 * One access-log entry per request that reads or changes patient data at the
 * post, with who (the nurse, or 'local-cli' for the box's own command line),
 * from where (the client's address) and whether it was allowed. Entries name
 * records by id, never by a patient's name, DNI or what was typed into a
 * search: the log is read by more people than the records are.
 */
import type { FastifyRequest } from 'fastify';
import type { AuditOutcome } from '../../lib/auth/audit-log.js';

export type Access = { action: string; target?: string; detail?: Record<string, unknown>; outcome?: AuditOutcome };

export function recordAccess(req: FastifyRequest, a: Access): void {
  req.server.audit.record({ actor: req.nurse!.username, from: req.ip, ...a });
}

/** The ids a list showed, bounded: enough to answer "who saw this patient's row", small enough to store. */
export function shownIds(items: ReadonlyArray<{ id: string }>, max = 50): { shown: string[]; count: number } {
  return { shown: items.slice(0, max).map((i) => i.id), count: items.length };
}
