import type { Test } from 'tap';
import { isChasquiError } from '../../../lib/errors.js';

/** Every error must be a ChasquiError with our code; anything else is a crash. */
export function expectEcgError(t: Test, fn: () => unknown, message: RegExp): void {
  try {
    fn();
    t.fail(`expected CHASQUI_ERR_ECG_FORMAT matching ${message}`);
  } catch (err) {
    t.ok(isChasquiError(err, 'CHASQUI_ERR_ECG_FORMAT'), `ChasquiError: ${String(err)}`);
    t.match((err as Error).message, message);
  }
}
