/**
 * The clinical services exist only while the vault is open; the routes and
 * the relay are wired once, at build. This stands in for a service in that
 * wiring: each use reaches the live one, or throws CHASQUI_ERR_LOCKED (423
 * from the API; the pages never get there, since a locked post has no
 * signed-in nurse).
 */
import { ChasquiError } from '../../lib/errors.js';

export function throwLocked(what = 'the clinical data'): never {
  throw new ChasquiError('CHASQUI_ERR_LOCKED', `${what} opens when a nurse signs in`);
}

export function whenOpen<T extends object>(what: string, current: () => T | undefined): T {
  const live = (): T => current() ?? throwLocked(what);
  return new Proxy({} as T, {
    get(_target, prop) {
      const t = live();
      const v = Reflect.get(t, prop, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    has: (_target, prop) => Reflect.has(live(), prop),
  });
}
