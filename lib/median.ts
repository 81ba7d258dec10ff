// The middle of a set of numbers: what the dashboard shows of pull request and DORA times, and
// what the benchmarks report of repeated runs.

/** The median of the numbers given (nulls left out); null when there are none. */
export function median(values: ReadonlyArray<number | null>): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
