/**
 * Small pieces the streaming emulators share: turning elapsed milliseconds
 * into a whole number of samples without drift, and splicing seeded noise
 * into the byte stream (EmulatorFault 'noise') so a run can be replayed.
 */

/** Counts samples due at `rate` Hz as time advances; fractions carry over. */
export class SampleClock {
  private owed = 0;

  constructor(private readonly rate: number) {}

  /** Samples that fall in the next `ms` milliseconds. */
  advance(ms: number): number {
    this.owed += (Math.max(0, ms) * this.rate) / 1000;
    const n = Math.floor(this.owed);
    this.owed -= n;
    return n;
  }

  /** Start counting afresh (streaming was switched on). */
  restart(): void {
    this.owed = 0;
  }
}

/** xorshift32: a seeded source of uint32s for noise; Math.random would make failures unrepeatable. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function randomBytes(next: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

/** `noise` inserted into `stream` at a position chosen by `pick` (0 ≤ pick < 1). */
export function splice(stream: Uint8Array, noise: Uint8Array, pick: number): Uint8Array {
  if (noise.length === 0) return stream;
  const at = Math.floor(pick * (stream.length + 1));
  const out = new Uint8Array(stream.length + noise.length);
  out.set(stream.subarray(0, at), 0);
  out.set(noise, at);
  out.set(stream.subarray(at), at + noise.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
