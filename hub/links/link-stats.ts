/**
 * Pure arithmetic behind the link-health view, kept apart from SQL so each
 * rule is read (and tested) on its own.
 */

export type CounterSample = { at: number; total: number };

/**
 * Bytes per second moved over the samples, from the post's byte counters.
 * The counters restart at zero when the post restarts; as Prometheus's
 * rate() does, a drop is read as a reset and the new value as the bytes moved
 * since. Null with fewer than two samples or no time between them.
 */
export function counterRate(samples: CounterSample[]): number | null {
  if (samples.length < 2) return null;
  let bytes = 0;
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i]!.total - samples[i - 1]!.total;
    bytes += d >= 0 ? d : samples[i]!.total;
  }
  const seconds = (samples[samples.length - 1]!.at - samples[0]!.at) / 1000;
  return seconds > 0 ? bytes / seconds : null;
}

/** Nearest-rank percentile (the definition NIST and most SLO tooling use): no interpolation between cases. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function latencyStats(secondsList: number[]): { n: number; medianS: number | null; p90S: number | null } {
  const sorted = secondsList.filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  return { n: sorted.length, medianS: percentile(sorted, 50), p90S: percentile(sorted, 90) };
}

/** Strictly increasing across every sample (oldest first): the post is filling its queue faster than the link drains it. */
export function isGrowing(values: number[], over: number): boolean {
  if (values.length < over) return false;
  const last = values.slice(-over);
  return last.every((v, i) => i === 0 || v > last[i - 1]!);
}
