// How old a point in time is and how long a run took, in words; and when a workspace counts as stale: its last success is
// older than two sync intervals, so one late or skipped scheduled run is not flagged yet, two are.
import { durationText } from '../../lib/duration';

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "5 minutes ago", "in 2 hours", "yesterday"; "just now" under a minute. */
export function relativeTime(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return relative.format(Math.trunc(ms / size), unit);
  }
  return 'just now';
}

/** "35 s", "4 min", "2 h 5 min", "3 d 2 h": how long something took. */
export function duration(from: Date, to: Date): string {
  return durationText((to.getTime() - from.getTime()) / 1000);
}

export const STALE_AFTER_INTERVALS = 2;

/**
 * True when the last success is older than two sync intervals (or there is none). Measured by our
 * own clock (when the run finished), not by Bitbucket's (where its window ended), so a skew
 * between the two clocks cannot make fresh data look stale.
 */
export function isStale(lastSuccessAt: Date | null, now: Date, intervalMinutes: number): boolean {
  if (!lastSuccessAt) return true;
  return now.getTime() - lastSuccessAt.getTime() > STALE_AFTER_INTERVALS * intervalMinutes * 60_000;
}
