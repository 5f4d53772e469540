/** Who is signed in at the post. Every action in the nurse app is done by one of these, and recorded. */
import type { Principal } from '../../lib/auth/accounts.js';

export type { AuditEntry, AuditSink } from '../../lib/auth/audit-log.js';

/** An admin may also add and disable nurse accounts at the post. */
export type NurseRole = 'nurse' | 'admin';

export type Nurse = Principal<NurseRole>;
