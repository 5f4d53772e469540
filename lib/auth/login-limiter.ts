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

/**
 * The web sign-in's limiter: slows a guesser without letting anyone lock a
 * nurse out. Failures are counted per (account, address) pair: after
 * `freeFailures` of them, each further try from that pair waits a delay that
 * doubles with every failure (`firstDelayMs`, capped at `maxDelayMs`), so a
 * guesser gets a handful of tries an hour while the nurse, on her own phone
 * (another address), signs in at once. Many names from one address add up to
 * a second, address-wide delay, also doubling but capped at
 * `maxAddressDelayMs` (it slows, never locks). A pair is forgotten
 * `forgetMs` after its last failure, and by a good sign-in from that pair.
 *
 * A try that names no account (the post's API token, loopback only) keeps the
 * old per-address lock of LoginLimiter. Pure like it: injected clock, memory only.
 */
export type SignInLimiterOptions = {
  freeFailures: number; firstDelayMs: number; maxDelayMs: number;
  addressFreeFailures: number; addressFirstDelayMs: number; maxAddressDelayMs: number;
  forgetMs: number; maxKeys: number;
  /** For the nameless try (the API token): LoginLimiter's options. */
  nameless: Partial<LimiterOptions>;
};

export const DEFAULT_SIGN_IN_LIMITER: SignInLimiterOptions = {
  freeFailures: 3, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000,
  addressFreeFailures: 20, addressFirstDelayMs: 2_000, maxAddressDelayMs: 60_000,
  forgetMs: 24 * 3600_000, maxKeys: 10_000, nameless: {},
};

type Backoff = { failures: number; last: number };

export class SignInLimiter {
  readonly options: SignInLimiterOptions;
  private readonly pairs = new Map<string, Backoff>();
  private readonly addresses = new Map<string, Backoff>();
  private readonly nameless: LoginLimiter;

  constructor(private readonly clock: Clock, opts: Partial<SignInLimiterOptions> = {}) {
    this.options = { ...DEFAULT_SIGN_IN_LIMITER, ...opts };
    this.nameless = new LoginLimiter(clock, { maxKeys: this.options.maxKeys, ...this.options.nameless });
  }

  check(username: string | null, ip: string): LimiterVerdict {
    if (username === null) return this.nameless.check(null, ip);
    const now = this.clock.now();
    const o = this.options;
    const until = Math.max(
      this.waitUntil(this.pairs.get(pairKey(username, ip)), o.freeFailures, o.firstDelayMs, o.maxDelayMs, now),
      this.waitUntil(this.addresses.get(ip), o.addressFreeFailures, o.addressFirstDelayMs, o.maxAddressDelayMs, now),
    );
    return until > now ? { allowed: false, retryAfterMs: until - now } : { allowed: true };
  }

  failed(username: string | null, ip: string): void {
    if (username === null) return this.nameless.failed(null, ip);
    const now = this.clock.now();
    bump(this.pairs, pairKey(username, ip), now, this.options.forgetMs);
    bump(this.addresses, ip, now, this.options.forgetMs);
    if (this.pairs.size > this.options.maxKeys) prune(this.pairs, now, this.options);
    if (this.addresses.size > this.options.maxKeys) prune(this.addresses, now, this.options);
  }

  /** A good sign-in forgets its pair; the address keeps its count (one valid account must not reset a guesser's address). */
  succeeded(username: string, ip?: string): void {
    if (ip !== undefined) this.pairs.delete(pairKey(username, ip));
    else for (const k of this.pairs.keys()) if (k.startsWith(userKey(username) + '|')) this.pairs.delete(k);
  }

  get size(): number {
    return this.pairs.size + this.addresses.size + this.nameless.size;
  }

  private waitUntil(b: Backoff | undefined, free: number, first: number, max: number, now: number): number {
    if (!b || now - b.last >= this.options.forgetMs || b.failures < free) return 0;
    return b.last + Math.min(max, first * 2 ** (b.failures - free));
  }
}

function bump(m: Map<string, Backoff>, key: string, now: number, forgetMs: number): void {
  const b = m.get(key);
  const failures = b && now - b.last < forgetMs ? b.failures + 1 : 1;
  m.delete(key); // re-insert: oldest activity first
  m.set(key, { failures, last: now });
}

function prune(m: Map<string, Backoff>, now: number, o: SignInLimiterOptions): void {
  for (const [k, b] of m) if (now - b.last >= o.forgetMs) m.delete(k);
  for (const k of m.keys()) {
    if (m.size <= o.maxKeys) break;
    m.delete(k);
  }
}

function pairKey(username: string, ip: string): string {
  return `${userKey(username)}|${ip}`;
}
