// Bitbucket timestamps carry microseconds and an offset (`+00:00`, sometimes `Z`). JavaScript
// dates keep milliseconds only, so comparisons and BBQL literals work on the text, normalized.
const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/;

/** `2026-06-13T10:11:12.123456` in UTC: a BBQL datetime literal (no `+` to URL-encode). */
export function toBbqlUtc(iso: string): string {
  const m = ISO.exec(iso);
  if (!m) throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(iso)}`);
  const micros = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  const offset = m[3] ?? 'Z';
  if (offset === 'Z' || /^[+-]00:?00$/.test(offset)) return `${m[1]}.${micros}`;
  const utc = new Date(`${m[1]}${offset}`).toISOString().slice(0, 19);
  return `${utc}.${micros}`;
}

/** Compares two ISO timestamps to the microsecond. */
export function compareIso(a: string, b: string): number {
  const x = toBbqlUtc(a);
  const y = toBbqlUtc(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
