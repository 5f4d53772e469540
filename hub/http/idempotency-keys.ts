/**
 * Keys that make a creating request safe to repeat (the IETF draft
 * "The Idempotency-Key HTTP Header Field"): the first request with a key
 * does the work and records its result in the same transaction; a repeat
 * with the same key gets that result and does nothing. Scoped per actor, so
 * one account's key never answers for another's.
 */
import type { Db } from '../../lib/sqlite.js';
import { migrate } from '../../lib/sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE hub_idempotency_keys (
     actor TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (actor, key));`,
];

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,64}$/;

export class IdempotencyKeys {
  private readonly q;

  constructor(private readonly db: Db) {
    migrate(db, 'hub-idempotency-keys', MIGRATIONS);
    this.q = {
      get: db.prepare('SELECT result FROM hub_idempotency_keys WHERE actor = ? AND key = ?').pluck(),
      put: db.prepare('INSERT INTO hub_idempotency_keys (actor, key, result, at) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Runs work once per (actor, key); returns its result and whether this call was a repeat. */
  once<T>(actor: string, key: string, at: string, work: () => T): { result: T; repeated: boolean } {
    return this.db.transaction(() => {
      const earlier = this.q.get.get(actor, key) as string | undefined;
      if (earlier !== undefined) return { result: JSON.parse(earlier) as T, repeated: true };
      const result = work();
      this.q.put.run(actor, key, JSON.stringify(result), at);
      return { result, repeated: false };
    })();
  }
}
