/**
 * mulberry32: tiny and fast, and enough to make loss and outage patterns
 * reproducible from a seed so a failing chaos run can be replayed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exponential variate: outages as a Poisson process, so gaps are memoryless like real rain fade or power cuts. */
export function exponential(random: () => number, mean: number): number {
  return -mean * Math.log(1 - random());
}

export function uniform(random: () => number, min: number, max: number): number {
  return min + (max - min) * random();
}
