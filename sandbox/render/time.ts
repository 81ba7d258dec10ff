import type { Instant } from '../data/model';

/** `2022-03-17T11:17:48.581867+00:00`, as Bitbucket writes most timestamps. */
export function isoOffset(t: Instant): string {
  return `${new Date(t.ms).toISOString().slice(0, 23)}${String(t.us).padStart(3, '0')}+00:00`;
}

/** `2026-08-01T10:00:00.000000Z`: pipelines are reported to use a `Z` suffix instead. */
export function isoZulu(t: Instant): string {
  return `${new Date(t.ms).toISOString().slice(0, 23)}${String(t.us).padStart(3, '0')}Z`;
}
