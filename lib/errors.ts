/**
 * The one catalogue of Chasqui errors. Every error a person may see carries a
 * stable code from here; README.md#error-codes lists them and a test keeps the
 * two in step. Faults from a device or a peer become logged events built from
 * these, never a crash.
 */
export const ERRORS = {
  CHASQUI_ERR_CONFIG: 'Configuration is invalid',
  CHASQUI_ERR_MALFORMED_MESSAGE: 'A message from the network could not be decoded',
  CHASQUI_ERR_CHUNK_CORRUPT: 'A chunk failed its checksum or does not fit its transfer',
  CHASQUI_ERR_BUNDLE_HASH_MISMATCH: 'A reassembled bundle does not match its content address',
  CHASQUI_ERR_BUNDLE_MALFORMED: 'A bundle could not be parsed',
  CHASQUI_ERR_BUNDLE_TOO_LARGE: 'A bundle is larger than the configured limit',
  CHASQUI_ERR_ATTACHMENT_HASH: 'An attachment does not match its SHA-256',
  CHASQUI_ERR_UNKNOWN_POST: 'A message came from a post the hub does not know',
  CHASQUI_ERR_CASE_CONFLICT: 'A case id arrived again with different content',
  CHASQUI_ERR_UNKNOWN_KIND: 'A transfer of a kind this side does not accept',
  CHASQUI_ERR_DISK_FULL: 'The disk or database is full',
  CHASQUI_ERR_STORE: 'The local database failed',
  CHASQUI_ERR_STORE_KEY: 'The database does not open with the key given: wrong key, or a file that is not this one',
  CHASQUI_ERR_KEY_FILE: 'The database key file is missing, unreadable, readable by others, or not a key',
  CHASQUI_ERR_AUTH: 'Authentication failed',
  CHASQUI_ERR_LOCKED: 'The post\'s clinical data is locked until a nurse signs in',
  CHASQUI_ERR_NOT_AUTHORIZED: 'Not allowed',
  CHASQUI_ERR_CROSS_SITE: 'A state-changing request came from another origin',
  CHASQUI_ERR_POST_REVOKED: 'The post was revoked',
  CHASQUI_ERR_PACKET_REFUSED: 'The broker cut a connection for a packet it does not accept',
  CHASQUI_ERR_LOGIN_THROTTLED: 'Too many failed broker logins; refused without checking',
  CHASQUI_ERR_BAD_REQUEST: 'A request was invalid',
  CHASQUI_ERR_NOT_FOUND: 'No such thing',
  CHASQUI_ERR_NOTICE_INVALID: 'A notice to a post is not one of the kinds the hub may send, or is malformed',
  CHASQUI_ERR_USAGE: 'The command line is wrong',
  CHASQUI_ERR_SIGNATURE: 'A message is not signed by the key its sender registered',
  CHASQUI_ERR_SEAL: 'A sealed bundle could not be opened: altered, or addressed to someone else',
  CHASQUI_ERR_UNKNOWN_KEY: 'No public keys are registered for this peer',
  CHASQUI_ERR_STALE: 'A message is older than this side accepts',
  CHASQUI_ERR_AUDIT_TAMPERED: 'The access log was altered: an entry is missing or changed',
  CHASQUI_ERR_ECG_FORMAT: 'An ECG file could not be read',
  CHASQUI_ERR_DEVICE_ABSENT: 'The serial device is not plugged in',
  CHASQUI_ERR_DEVICE_IO: 'The serial device could not be opened or used',
  CHASQUI_ERR_DEVICE_UNKNOWN: 'No known device protocol answered on that port',
  CHASQUI_ERR_CAPTURE_REJECTED: 'The ECG capture did not pass the signal-quality check',
  CHASQUI_ERR_CAPTURE_FAILED: 'The ECG capture could not be completed',
  CHASQUI_ERR_TLS_CERT: 'A TLS certificate or key could not be created or read',
  CHASQUI_ERR_TLS_PLAIN_REMOTE: 'A link without TLS is allowed only on loopback',
  CHASQUI_ERR_TLS_NO_PIN: 'A TLS link needs a pinned certificate',
  CHASQUI_ERR_TLS_UNTRUSTED: 'The peer\'s TLS certificate is not the pinned one',
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ChasquiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message ? `${ERRORS[code]}: ${message}` : ERRORS[code], options);
    this.name = 'ChasquiError';
    this.code = code;
    this.details = details;
  }
}

export function isChasquiError(err: unknown, code?: ErrorCode): err is ChasquiError {
  return err instanceof ChasquiError && (code === undefined || err.code === code);
}

/** SQLite reports a full disk (or a database at max_page_count) as SQLITE_FULL. */
export function fromStoreError(err: unknown): ChasquiError {
  if (err instanceof ChasquiError) return err;
  const code = (err as { code?: string } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || /database or disk is full/i.test(msg)) {
    return new ChasquiError('CHASQUI_ERR_DISK_FULL', msg, undefined, { cause: err });
  }
  return new ChasquiError('CHASQUI_ERR_STORE', msg, undefined, { cause: err });
}

/**
 * A fault of this machine (full disk, I/O error, a lock) that may pass: the
 * work is retried. Anything else from the database while storing a peer's
 * bundle is a fault of the bundle, and retrying would only repeat it.
 */
export function isTransientStoreError(err: unknown): boolean {
  if (isChasquiError(err, 'CHASQUI_ERR_DISK_FULL')) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|BUSY|LOCKED|IOERR|CANTOPEN|NOMEM)/.test(code);
}
