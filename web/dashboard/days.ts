// Calendar days as `YYYY-MM-DD` text, the form the dashboard passes around and puts in URLs. All
// arithmetic is in UTC, as the marts' days are.
const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDay(text: string): boolean {
  const m = ISO_DAY.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  return fromMs(toMs(day) + n * DAY_MS);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY_MS);
}

/** The Monday of the day's ISO week. */
export function weekStart(day: string): string {
  const weekday = new Date(toMs(day)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Every week start from the one of `from` to the last not after `to`: quiet weeks included. */
export function weekStarts(from: string, to: string): string[] {
  const weeks: string[] = [];
  for (let w = weekStart(from); w <= to; w = addDays(w, 7)) weeks.push(w);
  return weeks;
}

export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The first instant of the day, for comparing timestamp columns. */
export function startOfDay(day: string): Date {
  return new Date(toMs(day));
}

/** The UTC day of a timestamp. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
