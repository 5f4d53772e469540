/**
 * Slows down guessing at the sign-in form: after `maxFailures` failed
 * sign-ins for one username, or from one address, within `windowMs`, further
 * attempts are refused for `lockMs` — before any password is checked, so a
 * refused attempt costs no scrypt work and cannot confirm a guess.
 *
 * Usernames are counted whether or not they exist, and the answer is the
 * same, so the limiter never tells an attacker which names are real. Pure:
 * no timers, the clock is injected, state lives in memory (a restart of the
 * app forgets it, which is acceptable: restarts are rare and slow).
 */
import type { Clock } from '../../lib/clock.js';

export type LimiterOptions = { maxFailures: number; windowMs: number; lockMs: number; maxKeys: number };

export const DEFAULT_LIMITER: LimiterOptions = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000, maxKeys: 10_000 };

export type LimiterVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

type Entry = { failures: number[]; lockedUntil: number };

export class LoginLimiter {
  readonly options: LimiterOptions;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, opts: Partial<LimiterOptions> = {}) {
    this.options = { ...DEFAULT_LIMITER, ...opts };
  }

  /**
   * May this attempt go ahead? Ask before checking the secret. username is
   * null for a try that names no account (the API token): only its address counts.
   */
  check(username: string | null, ip: string): LimiterVerdict {
    const now = this.clock.now();
    const user = username === null ? 0 : this.lockedUntil(userKey(username), now);
    const until = Math.max(user, this.lockedUntil(ipKey(ip), now));
    return until > now ? { allowed: false, retryAfterMs: until - now } : { allowed: true };
  }

  failed(username: string | null, ip: string): void {
    const now = this.clock.now();
    if (username !== null) this.count(userKey(username), now);
    this.count(ipKey(ip), now);
    if (this.entries.size > this.options.maxKeys) this.prune(now);
  }

  /**
   * A good sign-in clears the username's count but not the address's: one
   * valid account must not let an attacker reset the counter for an address
   * it is guessing other accounts from.
   */
  succeeded(username: string): void {
    this.entries.delete(userKey(username));
  }

  get size(): number {
    return this.entries.size;
  }

  private lockedUntil(key: string, now: number): number {
    const e = this.entries.get(key);
    return e && e.lockedUntil > now ? e.lockedUntil : 0;
  }

  private count(key: string, now: number): void {
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.options.windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.options.maxFailures) {
      e.lockedUntil = now + this.options.lockMs;
      e.failures = [];
    }
    this.entries.delete(key); // re-insert: Map order is then oldest activity first
    this.entries.set(key, e);
  }

  /** Bounded memory under a flood of made-up names: drop what has lapsed, then the oldest. */
  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= this.options.windowMs)) this.entries.delete(k);
    }
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.options.maxKeys) break;
      this.entries.delete(k);
    }
  }
}

// Normalized so "Ana" and " ana" count as one; the same rule as the accounts table.
function userKey(username: string): string {
  return `u:${username.trim().toLowerCase().slice(0, 64)}`;
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
