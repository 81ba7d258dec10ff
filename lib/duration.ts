/** "35 s", "4 min", "2 h 5 min", "3 d 2 h": a span of time, rounded to its two largest units. */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const [h, d] = [Math.floor(m / 60), Math.floor(m / 1440)];
  return d ? `${d} d ${h % 24} h` : `${h} h ${m % 60} min`;
}
