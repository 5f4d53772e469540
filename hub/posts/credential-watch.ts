/**
 * Notices posts revoked or re-keyed from outside the running hub (`chasqui
 * hub revoke-post` and `add-post` write the SQLite file from another
 * process) and hands each one to `onChange`, which cuts its live sessions.
 * Polling is cheap: PostRegistry.credentialChanges() reads one counter
 * unless another process has committed something.
 */
import type { Logger } from '../../lib/logger.js';

export type CredentialWatchDeps = {
  changes(): string[];
  isRevoked(postId: string): boolean;
  onChange(postId: string, why: 'revoked' | 're-keyed'): void;
  intervalMs: number;
  logger: Logger;
};

export class CredentialWatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: CredentialWatchDeps) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.d.intervalMs);
    // The hub must still exit on a signal while this is the only timer left.
    this.timer.unref();
  }

  /** One look, also called by start()'s timer; returns the posts it acted on. */
  check(): string[] {
    let changed: string[];
    try {
      changed = this.d.changes();
    } catch (err) {
      // A busy or failing database is retried on the next tick; the hub keeps serving.
      this.d.logger.error({ code: 'CHASQUI_ERR_STORE', err: (err as Error).message }, 'post registry check failed');
      return [];
    }
    for (const id of changed) this.d.onChange(id, this.d.isRevoked(id) ? 'revoked' : 're-keyed');
    return changed;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
