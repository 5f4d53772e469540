/**
 * What the hub sent while the post's data was locked: kept as it came,
 * sealed to the post, and enveloped once more to a key only the open vault
 * holds (held-envelope.ts), in the post's plain database,
 * acknowledged to the hub so it stops resending, and opened when a nurse
 * signs in. Opening a bundle and forgetting it are one transaction with
 * what it stores, so each is opened exactly once, power cut or not.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import { fromStoreError, isChasquiError, isTransientStoreError } from '../../lib/errors.js';
import { migrate, type Db } from '../../lib/sqlite.js';
import { envelope, openEnvelope } from './held-envelope.js';

export const HELD_RECEIPT = 'post:held-sealed';

type Held = { peer: string; id: string; kind: number; sealed: Buffer; enveloped: number };

/** The vault's side of it: the public key to envelope to (none before the vault first opened), and its private half once open. */
export type HeldKeys = { heldPublicKey(): Buffer | undefined; heldPrivateKey(): Buffer };

export class SealedArrivals {
  private readonly q;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly keys: HeldKeys) {
    migrate(db, 'post-sealed-arrivals', [`CREATE TABLE sealed_arrivals (
      seq INTEGER PRIMARY KEY, peer TEXT NOT NULL, id TEXT NOT NULL, kind INTEGER NOT NULL, sealed BLOB NOT NULL,
      enveloped INTEGER NOT NULL, received_at INTEGER NOT NULL, UNIQUE (peer, id));`]);
    this.q = {
      hold: db.prepare('INSERT OR IGNORE INTO sealed_arrivals (peer, id, kind, sealed, enveloped, received_at) VALUES (?, ?, ?, ?, ?, ?)'),
      next: db.prepare('SELECT peer, id, kind, sealed, enveloped FROM sealed_arrivals ORDER BY seq LIMIT 1'),
      drop: db.prepare('DELETE FROM sealed_arrivals WHERE peer = ? AND id = ?'),
      count: db.prepare('SELECT count(*) FROM sealed_arrivals').pluck(),
    };
  }

  /** Inside the relay's completion transaction. */
  hold(peer: string, kind: number, sealed: Buffer, id: string): string {
    // Before the vault ever opened there is no key to envelope to, and nothing clinical on the box yet either.
    const pub = this.keys.heldPublicKey();
    this.q.hold.run(peer, id, kind, pub ? envelope(pub, sealed) : sealed, pub ? 1 : 0, this.clock.now());
    return HELD_RECEIPT;
  }

  count(): number {
    return this.q.count.get() as number;
  }

  /**
   * Opens every held bundle, oldest first. A bundle that does not open or
   * verify (forged, stale, not a notice the hub may send) is dropped with a
   * log line, as the relay would have refused it on arrival; a fault of this
   * machine stops the round, and the rest wait for the next sign-in.
   */
  openAll(openAndAccept: (peer: string, kind: number, sealed: Buffer, id: string) => void, log: Logger): { opened: number; refused: number } {
    const done = { opened: 0, refused: 0 };
    for (;;) {
      const h = this.q.next.get() as Held | undefined;
      if (!h) return done;
      try {
        this.db.transaction(() => {
          openAndAccept(h.peer, h.kind, h.enveloped ? openEnvelope(this.keys.heldPrivateKey(), h.sealed) : h.sealed, h.id);
          this.q.drop.run(h.peer, h.id);
        })();
        done.opened++;
      } catch (err) {
        if (isTransientStoreError(err) || !isChasquiError(err)) {
          const e = fromStoreError(err);
          log.error({ transfer: h.id, code: e.code, err: e.message }, 'could not open a held bundle; will try again at the next sign-in');
          return done;
        }
        this.q.drop.run(h.peer, h.id);
        done.refused++;
        log.warn({ peer: h.peer, transfer: h.id, code: err.code, err: err.message }, 'refused a bundle held while locked');
      }
    }
  }
}
