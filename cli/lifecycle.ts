/**
 * Keeps a started service running until SIGTERM/SIGINT, then stops it once.
 * A second signal exits at once: the outbox is SQLite, so nothing is lost.
 */
import type { Logger } from '../lib/logger.js';

export function runUntilSignal(stop: () => Promise<void>, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
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
