/**
 * Keeps a started service running until SIGTERM/SIGINT, then stops it once.
 * A second signal exits at once: the outbox is SQLite, so nothing is lost.
 * Under systemd (Type=notify) it also says READY=1 once the service serves,
 * pings the watchdog while the service is alive, and says STOPPING=1.
 * A second signal right after the first is not obeyed: Ctrl-C on `npm run demo`
 * reaches the process twice (from the terminal, and forwarded by npm), and
 * exiting then would skip stopping what the service started (socat ptys).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../lib/logger.js';
import { systemdNotifier } from '../lib/sd-notify.js';
import type { Db } from '../lib/sqlite.js';
import { Watchdog, watchdogIntervalMs } from '../lib/watchdog.js';

export type Supervisor = { ready(): void; stopping(): void; close(): void };

/**
 * Starts watchdog pings at once (systemd counts from exec, not from READY=1);
 * `probe` is what "alive" means beyond a responsive event loop.
 */
export function systemdSupervisor(opts: { env: Record<string, string | undefined>; logger: Logger; probe?: () => boolean }): Supervisor {
  const logger = opts.logger.child({ mod: 'systemd' });
  const notifier = systemdNotifier(opts.env, logger);
  const intervalMs = notifier.active ? watchdogIntervalMs(opts.env, process.pid) : undefined;
  let watchdog: Watchdog | undefined;
  let loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
  if (intervalMs !== undefined) {
    const delay = monitorEventLoopDelay({ resolution: 20 });
    delay.enable();
    loopDelay = delay;
    watchdog = new Watchdog({
      intervalMs,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
      loopDelayMs: () => {
        const ms = delay.max / 1e6;
        delay.reset();
        return ms;
      },
      probe: opts.probe ?? (() => true),
      ping: () => notifier.notify('WATCHDOG=1'),
      onSkip: (skip) => logger.warn(skip, 'watchdog ping withheld: the service is not answering'),
    });
    watchdog.start();
  }
  return {
    ready() {
      notifier.notify(`READY=1\nMAINPID=${process.pid}`);
      logger.debug({ watchdogMs: intervalMs }, 'told systemd we are ready');
    },
    stopping() {
      watchdog?.stop();
      notifier.notify('STOPPING=1');
    },
    close() {
      watchdog?.stop();
      loopDelay?.disable();
      notifier.close();
    },
  };
}

/**
 * The watchdog's probe for a service with a database: it can take the write lock, so what
 * arrives can be stored. Every reader of a WAL database holds a shared lock, so only a
 * stuck writer (another process's open transaction) can block it, and then this waits
 * busy_timeout and throws, which withholds the ping.
 */
export function databaseAnswers(db: Db): () => boolean {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const rollback = db.prepare('ROLLBACK');
  return () => {
    // Timers never run inside a better-sqlite3 transaction (they are synchronous); never nest one all the same.
    if (db.inTransaction) return true;
    begin.run();
    rollback.run();
    return true;
  };
}

/** Signals closer together than this are one person's one request. */
export const SAME_SIGNAL_MS = 1000;

export function runUntilSignal(stop: () => Promise<void>, logger: Logger, supervisor?: Supervisor): Promise<number> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const done = (code: number) => {
      supervisor?.close();
      resolve(code);
    };
    const onSignal = (signal: string) => {
      if (firstAt !== undefined) {
        if (performance.now() - firstAt < SAME_SIGNAL_MS) return;
        process.exit(1);
      }
      firstAt = performance.now();
      supervisor?.stopping();
      logger.info({ signal }, 'stopping');
      stop().then(() => done(0), (err: Error) => {
        logger.error({ err: err.message }, 'stop failed');
        done(1);
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}
