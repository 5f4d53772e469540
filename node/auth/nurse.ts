/** Who is signed in at the post. Every action in the nurse app is done by one of these, and recorded. */
export interface Nurse {
  id: string;
  username: string;
  displayName: string;
  /** An admin may also add and disable nurse accounts at the post. */
  role: 'nurse' | 'admin';
}

/** One line of the access log Law 29733 asks for: who did or saw what, when. */
export interface AuditEntry {
  /** The nurse's username, or 'local-cli' for the box's own command line. */
  actor: string;
  /** Dotted verb: 'patient.create', 'patient.view', 'case.send', 'message.read', 'session.signIn'... */
  action: string;
  /** What it was done to: a patient id, case id, message id. */
  target?: string;
  detail?: Record<string, unknown>;
}

export interface AuditSink {
  record(entry: AuditEntry): void;
}
