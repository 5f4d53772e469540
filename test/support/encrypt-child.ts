/**
 * encryptInPlace in a process of its own, killed with SIGKILL at the step
 * named in argv (or, with "none", left to finish): what a power cut or the
 * OOM killer would leave. Used by test/lib/sqlite-encrypt.test.ts.
 */
import { encryptInPlace, type EncryptStep } from '../../lib/sqlite.js';

const [file, hexKey, killAt] = process.argv.slice(2) as [string, string, EncryptStep | 'none'];
encryptInPlace(file, Buffer.from(hexKey, 'hex'), {
  onStep: (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
