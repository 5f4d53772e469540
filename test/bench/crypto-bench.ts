/**
 * What end-to-end trust costs the post's CPU: sealing (X25519 + HKDF +
 * AES-256-GCM + an Ed25519 signature over the whole bundle) and opening, per
 * MB of bundle, on random bytes (the worst case: nothing to compress).
 */
import { randomBytes } from 'node:crypto';
import { generateIdentity } from '../../protocol/identity.js';
import { open, seal } from '../../protocol/sealing.js';

export function cryptoBench(o: { megabytes: number; rounds: number }) {
  const post = generateIdentity('post-bench');
  const hub = generateIdentity('hub');
  const plain = randomBytes(o.megabytes << 20);
  const time = (fn: () => void) => {
    fn(); // warm-up: key imports and JIT are not part of the steady cost
    const t0 = performance.now();
    for (let i = 0; i < o.rounds; i++) fn();
    return (performance.now() - t0) / o.rounds / o.megabytes;
  };
  // A changed byte per round, so no round reuses the one before's derived key.
  let n = 0;
  const sealMsPerMb = time(() => {
    plain[0] = n++ & 0xff;
    seal(plain, { sender: post, recipient: hub });
  });
  const sealed = seal(plain, { sender: post, recipient: hub });
  const openMsPerMb = time(() => open(sealed, { recipient: hub, sender: post }));
  return { sealMsPerMb, openMsPerMb, overheadBytes: sealed.length - plain.length };
}
