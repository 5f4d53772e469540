export { mulberry32 } from '../../lib/prng.js';

/** Exponential variate: outages as a Poisson process, so gaps are memoryless like real rain fade or power cuts. */
export function exponential(random: () => number, mean: number): number {
  return -mean * Math.log(1 - random());
}

export function uniform(random: () => number, min: number, max: number): number {
  return min + (max - min) * random();
}
