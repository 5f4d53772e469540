/**
 * What the relay needs of the keys: seal what it queues for a peer, open what
 * a peer sent, sign the statuses that end a transfer and check the peer's.
 * The side that builds the relay says whose keys it holds (the post pins the
 * hub's; the hub reads each post's from its registry).
 */
import { ChasquiError } from '../lib/errors.js';
import type { Identity, PublicIdentity } from '../protocol/identity.js';
import type { StatusMessage } from '../protocol/messages.js';
import { open, seal, signStatus, statusSignedBy } from '../protocol/sealing.js';

export class Trust {
  constructor(
    readonly self: Identity,
    /** A peer's public keys, or undefined while none is registered (or it was revoked). */
    private readonly peerKeys: (peer: string) => PublicIdentity | undefined,
  ) {}

  seal(peer: string, plain: Buffer): Buffer {
    return seal(plain, { sender: this.self, recipient: this.keysOf(peer) });
  }

  open(peer: string, sealed: Buffer): Buffer {
    return open(sealed, { recipient: this.self, sender: this.keysOf(peer) });
  }

  signStatus(msg: StatusMessage): StatusMessage {
    return signStatus(msg, this.self);
  }

  /** False for an unsigned or forged terminal status, and for a peer whose keys are not known. */
  statusFromPeer(peer: string, msg: StatusMessage): boolean {
    const keys = this.peerKeys(peer);
    return !!keys && statusSignedBy(msg, keys);
  }

  private keysOf(peer: string): PublicIdentity {
    const keys = this.peerKeys(peer);
    if (!keys) throw new ChasquiError('CHASQUI_ERR_UNKNOWN_KEY', `no public keys are registered for "${peer}"`);
    return keys;
  }
}
