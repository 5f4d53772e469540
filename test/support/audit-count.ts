/** The access-log entries a step of a test wrote: everything after the last entry before it, oldest first. */
import type { AuditLog, StoredAuditEntry } from '../../lib/auth/audit-log.js';

export async function entriesDuring(audit: AuditLog, step: () => Promise<unknown> | unknown): Promise<StoredAuditEntry[]> {
  const last = audit.list({ limit: 1 })[0]?.id ?? 0;
  await step();
  return audit.list({ afterId: last });
}
