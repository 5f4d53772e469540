/**
 * Keeps a started service running until SIGTERM/SIGINT, then stops it once.
 * A second signal exits at once: the outbox is SQLite, so nothing is lost.
 * But not one that comes right after the first: Ctrl-C on `npm run demo`
 * reaches the process twice (from the terminal, and forwarded by npm), and
 * exiting then would skip stopping what the service started (socat ptys).
 */
import type { Logger } from '../lib/logger.js';

/** Signals closer together than this are one person's one request. */
export const SAME_SIGNAL_MS = 1000;

export function runUntilSignal(stop: () => Promise<void>, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: string) => {
      if (firstAt !== undefined) {
        if (performance.now() - firstAt < SAME_SIGNAL_MS) return;
        process.exit(1);
      }
      firstAt = performance.now();
      logger.info({ signal }, 'stopping');
      stop().then(() => resolve(0), (err: Error) => {
        logger.error({ err: err.message }, 'stop failed');
        resolve(1);
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}
