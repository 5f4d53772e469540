/**
 * The systemd watchdog's decision, without I/O: every interval (half of
 * WATCHDOG_USEC, as sd_watchdog_enabled(3) advises) ping only if the process
 * is really alive: the event loop answered promptly since the last tick and
 * the liveness probe (the database answers a trivial query) passes. A hung
 * process stops pinging and systemd restarts it; a process that recovers
 * pings again on the next tick.
 */

export type WatchdogTimers = {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type WatchdogSkip = { reason: 'event-loop'; loopDelayMs: number } | { reason: 'probe'; error?: string };

export type WatchdogDeps = {
  intervalMs: number;
  /** Longest event-loop delay tolerated within one interval; half the interval by default. */
  maxLoopDelayMs?: number;
  timers: WatchdogTimers;
  /** The longest event-loop delay since the previous call, in ms (the caller resets its measure). */
  loopDelayMs(): number;
  /** True when the service answers: throws or returns false otherwise. */
  probe(): boolean;
  ping(): void;
  onSkip?(skip: WatchdogSkip): void;
};

export class Watchdog {
  private handle: unknown;
  private readonly maxLoopDelayMs: number;

  constructor(private readonly deps: WatchdogDeps) {
    this.maxLoopDelayMs = deps.maxLoopDelayMs ?? deps.intervalMs / 2;
  }

  start(): void {
    this.stop();
    this.schedule();
  }

  stop(): void {
    if (this.handle !== undefined) this.deps.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** One decision; exposed so a caller can ping at once (e.g. right after READY=1). */
  tick(): void {
    const skip = this.check();
    if (skip) this.deps.onSkip?.(skip);
    else this.deps.ping();
  }

  private check(): WatchdogSkip | undefined {
    const loopDelayMs = this.deps.loopDelayMs();
    if (loopDelayMs > this.maxLoopDelayMs) return { reason: 'event-loop', loopDelayMs };
    try {
      return this.deps.probe() ? undefined : { reason: 'probe' };
    } catch (err) {
      return { reason: 'probe', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private schedule(): void {
    this.handle = this.deps.timers.setTimeout(() => {
      this.tick();
      if (this.handle !== undefined) this.schedule();
    }, this.deps.intervalMs);
  }
}

/**
 * The ping interval systemd asks for (sd_watchdog_enabled(3)): half of
 * WATCHDOG_USEC, and only when WATCHDOG_PID is unset or names this process.
 */
export function watchdogIntervalMs(env: Record<string, string | undefined>, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}
