/**
 * Idempotency keys for forms that create something. Each such form carries a
 * key made when the page was rendered (a hidden field); the first POST with
 * it creates the thing and stores key → what it made, in the same
 * transaction, so a reload, a double tap or a POST retried after a lost
 * answer finds the key and is sent to what was made the first time.
 * A POST without a usable key (an old page, a script) still works, once per
 * request, as before.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { fromStoreError } from '../errors.js';
import { migrate, type Db } from '../sqlite.js';
import { html, type Html } from './html.js';

export const FORM_KEY_FIELD = 'clave';

const MIGRATIONS = [
  `CREATE TABLE form_submissions (
     kind TEXT NOT NULL, key TEXT NOT NULL, target TEXT NOT NULL, created_at INTEGER NOT NULL,
     PRIMARY KEY (kind, key))`,
];

// A UUID or anything alike; long enough not to be guessed by a second form, short enough to index.
const KEY_RE = /^[A-Za-z0-9-]{16,64}$/;

/** Whether a value has the shape of a form key (both apps' forms use the same). */
export function isFormKey(v: unknown): v is string {
  return typeof v === 'string' && KEY_RE.test(v);
}

/** The key a form carried, or undefined when there is none worth trusting. */
export function formKey(body: unknown): string | undefined {
  const v = (body as Record<string, unknown> | null | undefined)?.[FORM_KEY_FIELD];
  return isFormKey(v) ? v : undefined;
}

export function newFormKey(): string {
  return randomUUID();
}

export class SubmissionKeys {
  private readonly q;

  constructor(private readonly db: Db, private readonly clock: Clock) {
    migrate(db, 'form-submissions', MIGRATIONS);
    this.q = {
      get: db.prepare<[string, string], { target: string }>('SELECT target FROM form_submissions WHERE kind = ? AND key = ?'),
      insert: db.prepare('INSERT INTO form_submissions (kind, key, target, created_at) VALUES (?, ?, ?, ?)'),
    };
  }

  /** What a key made, if it was already used for this kind of form. */
  find(kind: string, key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.q.get.get(kind, key)?.target;
  }

  /**
   * Runs `create` once per (kind, key): it returns the id of what it made, or
   * undefined when it made nothing (a refused form, which may be sent again
   * with the same key). Synchronous, in one transaction with the creation.
   */
  once(kind: string, key: string | undefined, create: () => string | undefined): { target: string | undefined; created: boolean } {
    try {
      return this.db.transaction(() => {
        const seen = this.find(kind, key);
        if (seen !== undefined) return { target: seen, created: false };
        const target = create();
        if (target !== undefined && key !== undefined) this.q.insert.run(kind, key, target, this.clock.now());
        return { target, created: target !== undefined };
      })();
    } catch (err) {
      throw fromStoreError(err);
    }
  }
}

/** The hidden field a creating form carries; a form re-shown after an error keeps the key it was sent with. */
export function keyInput(key: string | undefined = undefined): Html {
  return html`<input type="hidden" name="${FORM_KEY_FIELD}" value="${key ?? newFormKey()}">`;
}
