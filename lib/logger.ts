/**
 * pino, JSON to stdout for journald. Patient fields are redacted wherever they
 * appear in a log object: logs leave the post with field engineers, and Law
 * 29733 does not stop at log files.
 */
import pino, { type Logger, type DestinationStream } from 'pino';

export const REDACT_PATHS = [
  '*.patient', '*.patientName', '*.dni', '*.birthDate', 'patient', 'body.patient', 'manifest.body', '*.password', 'password',
];

export function createLogger(opts: { level?: string; name: string; destination?: DestinationStream }): Logger {
  return pino(
    { name: opts.name, level: opts.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    opts.destination,
  );
}

export type { Logger };
