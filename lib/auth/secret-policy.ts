/**
 * What a username, a password and a PIN must be. Each refusal carries
 * details.rule, so a page can say it in the reader's language; the message is
 * for the field engineer's terminal.
 */
import { ChasquiError } from '../../lib/errors.js';

export type SecretKind = 'password' | 'pin';

/** Actor names the audit log uses for things that are not a person's account. */
export const RESERVED_USERNAMES = new Set(['local-cli', 'anonymous']);

export const MIN_PASSWORD = 8;
/**
 * Six digits, not four: 10^6 PINs against the sign-in limiter (5 tries per
 * 15 min, about 480 a day) is years of guessing, 10^4 is about three weeks.
 * Six is also what Android and iOS ask for, so the nurses know the habit.
 */
export const MIN_PIN = 6;
const MAX_SECRET = 256;

// The few a tired person reaches for first; a long list belongs to a breach corpus we do not ship.
const COMMON = new Set([
  'password', 'password1', 'contraseña', 'contrasena', 'qwertyui', 'qwerty123', 'iloveyou', 'abc12345', 'abcd1234',
  'chasqui1', 'chasqui123', 'enfermera', 'enfermero', 'minsa123', 'admin123', 'peru1234', 'bienvenido',
]);

function refuse(rule: string, message: string): never {
  throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', message, { rule });
}

export function normalizeUsername(raw: string): string {
  const u = raw.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{1,31}$/.test(u)) {
    refuse('usernameInvalid', 'a username is 2 to 32 letters a-z, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return u;
}

function isRun(digits: string): boolean {
  const step = Number(digits[1]) - Number(digits[0]);
  if (Math.abs(step) > 1) return false;
  for (let i = 1; i < digits.length; i++) if (Number(digits[i]) - Number(digits[i - 1]) !== step) return false;
  return true;
}

export function checkNewUsername(username: string): void {
  if (RESERVED_USERNAMES.has(username)) refuse('usernameReserved', `"${username}" is reserved for the audit log`);
}

/** Throws CHASQUI_ERR_BAD_REQUEST naming the rule a weak secret breaks. */
export function checkSecret(kind: SecretKind, secret: string, username: string): void {
  if (secret.length > MAX_SECRET) refuse('secretTooLong', `at most ${MAX_SECRET} characters`);
  if (kind === 'pin') {
    if (!/^\d+$/.test(secret)) refuse('pinNotDigits', 'a PIN is digits only');
    if (secret.length < MIN_PIN) refuse('pinTooShort', `a PIN needs at least ${MIN_PIN} digits`);
    // 000000, 123456, 987654: the first PINs anyone tries.
    if (isRun(secret)) refuse('pinTooSimple', 'that PIN is too easy to guess (same digit, or digits in a row)');
    return;
  }
  if ([...secret].length < MIN_PASSWORD) refuse('passwordTooShort', `a password needs at least ${MIN_PASSWORD} characters`);
  const lower = secret.toLowerCase();
  if (lower.includes(username)) refuse('passwordHasUsername', 'the password must not contain the username');
  if (COMMON.has(lower) || /^\d+$/.test(secret) && isRun(secret) || new Set(secret).size <= 2) {
    refuse('passwordTooSimple', 'that password is too easy to guess');
  }
}
