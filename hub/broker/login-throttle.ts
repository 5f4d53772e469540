/**
 * Caps the password work the broker does for logins it cannot answer from
 * the verified-password cache. Two limits, both asked before any scrypt runs:
 *
 * - failures per address and per username, with the web's own LoginLimiter
 *   (lib/auth/login-limiter.ts): after `maxFailures` wrong passwords an
 *   address or a post id is refused outright, without hashing, until `lockMs`
 *   has passed. 500 wrong passwords from one address cost `maxFailures` hashes.
 * - work in flight: at most `maxInFlight` checks at once, and a short queue
 *   behind them; more than that is refused as "busy". Moving scrypt off the
 *   event loop is not enough on its own: libuv's pool has four threads, and
 *   a flood that fills them makes every specialist's web sign-in wait.
 *
 * A post whose password the cache already knows never reaches this class
 * (embedded-broker.ts answers it first), so posts behind one NAT keep
 * getting in while an attacker behind the same address is locked out.
 * Pure: no timers, the clock is injected, state lives in memory.
 */
import type { Clock } from '../../lib/clock.js';
import { LoginLimiter, type LimiterOptions } from '../../lib/auth/login-limiter.js';

export type ThrottleOptions = {
  limiter: Pick<LimiterOptions, 'maxFailures' | 'windowMs' | 'lockMs'>;
  maxInFlight: number;
  maxWaiting: number;
};

export const DEFAULT_THROTTLE: ThrottleOptions = {
  // As many tries as the web's sign-in, but a shorter lock: a post re-keyed in the field retries every
  // second until its new password is typed in, and should get in a minute after, not a quarter of an hour.
  limiter: { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 },
  // One check at a time is one core at most: on a two-core hub the other stays free for sign-ins and ingest.
  // A reconnect storm after a restart is still ~20 posts a second (about 50 ms per check).
  maxInFlight: 1,
  maxWaiting: 64,
};

/** A granted check: call done() with its outcome exactly once, so the slot is freed. */
export type Ticket = { go: true; done(passwordWasRight: boolean): void };
export type Refusal = { go: false; reason: 'locked' | 'busy'; retryAfterMs: number };

type Waiter = { username: string; address: string; resolve(v: Ticket | Refusal): void };

export type ThrottleStats = { checked: number; locked: number; busy: number; inFlight: number; waiting: number };

export class LoginThrottle {
  private readonly limiter: LoginLimiter;
  private readonly opts: ThrottleOptions;
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private readonly counts = { checked: 0, locked: 0, busy: 0 };

  constructor(clock: Clock, opts: Partial<ThrottleOptions> = {}) {
    this.opts = { ...DEFAULT_THROTTLE, ...opts, limiter: { ...DEFAULT_THROTTLE.limiter, ...opts.limiter } };
    this.limiter = new LoginLimiter(clock, this.opts.limiter);
  }

  /** Resolves at once with a refusal, or with a ticket once a slot is free (re-checking the limiter then). */
  admit(username: string, address: string): Promise<Ticket | Refusal> {
    const locked = this.lockedOut(username, address);
    if (locked) return Promise.resolve(locked);
    if (this.inFlight < this.opts.maxInFlight) return Promise.resolve(this.grant(username, address));
    if (this.waiting.length >= this.opts.maxWaiting) {
      this.counts.busy++;
      // A queue this long is seconds of hashing; the client's own retry is the better wait.
      return Promise.resolve({ go: false, reason: 'busy', retryAfterMs: 1000 });
    }
    return new Promise((resolve) => this.waiting.push({ username, address, resolve }));
  }

  stats(): ThrottleStats {
    return { ...this.counts, inFlight: this.inFlight, waiting: this.waiting.length };
  }

  private lockedOut(username: string, address: string): Refusal | null {
    const v = this.limiter.check(username, address);
    if (v.allowed) return null;
    this.counts.locked++;
    return { go: false, reason: 'locked', retryAfterMs: v.retryAfterMs };
  }

  private grant(username: string, address: string): Ticket {
    this.inFlight++;
    this.counts.checked++;
    let finished = false;
    return {
      go: true,
      done: (right) => {
        if (finished) return;
        finished = true;
        if (right) this.limiter.succeeded(username);
        else this.limiter.failed(username, address);
        this.inFlight--;
        this.next();
      },
    };
  }

  /** Hands the free slot to the oldest waiter still allowed; those locked out meanwhile are refused without work. */
  private next(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      const locked = this.lockedOut(w.username, w.address);
      if (locked) w.resolve(locked);
      else w.resolve(this.grant(w.username, w.address));
    }
  }
}

/** Lets one event through per `intervalMs` and counts the ones it held back since the last. */
export class OncePer {
  private last = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(private readonly intervalMs: number) {}

  take(now: number): boolean {
    if (now - this.last < this.intervalMs) {
      this.held++;
      return false;
    }
    this.last = now;
    return true;
  }

  /** How many were held back before the one just let through; resets the count. */
  suppressed(): number {
    const n = this.held;
    this.held = 0;
    return n;
  }
}
