import type { Instant } from '../data/model';

/** `2022-03-17T11:17:48.581867+00:00`: pull requests and most objects, six fraction digits. */
export function isoOffset(t: Instant): string {
  return `${new Date(t.ms).toISOString().slice(0, 23)}${String(t.us).padStart(3, '0')}+00:00`;
}

/**
 * `2023-02-20T08:58:19.14397Z`: pipelines, steps and deployments. A `Z` suffix and trailing zeros
 * dropped, so the number of fraction digits varies (none when the fraction is zero).
 */
export function isoZulu(t: Instant): string {
  const iso = new Date(t.ms).toISOString();
  const fraction = `${iso.slice(20, 23)}${String(t.us).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}
