// Bitbucket's paginated envelope. List-based pages (`?page=N`) carry size/page/previous;
// iterator-based pages (commits) carry only pagelen, values and an opaque `next` with a `ctx`
// cursor that survives new commits arriving at the head of the list.
import { ApiError } from './errors';

export interface PageOptions {
  maxPagelen: number;
  defaultPagelen?: number;
  style?: 'page' | 'cursor';
  /** For cursor pages: the key the cursor remembers (commit hash). */
  keyOf?: (item: unknown) => string;
}

export type Envelope = Record<string, unknown> & { values: unknown[] };

function pagelenOf(raw: string | undefined, options: PageOptions): number {
  if (raw === undefined || raw === '') return Math.min(options.defaultPagelen ?? 10, options.maxPagelen);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > options.maxPagelen) throw new ApiError(400, 'Invalid pagelen');
  return n;
}

function pageOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, 'Invalid page');
  return n;
}

function withParams(requestUrl: URL, params: Record<string, string>): string {
  const url = new URL(requestUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Cuts one page out of `items` (already filtered and sorted) and wraps it in the envelope. */
export function paginate<T>(items: readonly T[], requestUrl: URL, options: PageOptions): Envelope {
  const query = requestUrl.searchParams;
  const pagelen = pagelenOf(query.get('pagelen') ?? undefined, options);
  const page = pageOf(query.get('page') ?? undefined);
  if (options.style === 'cursor') {
    const keyOf = options.keyOf ?? String;
    const ctx = query.get('ctx');
    let start = 0;
    if (ctx) {
      const after = Buffer.from(ctx, 'base64url').toString('utf8');
      const index = items.findIndex((item) => keyOf(item) === after);
      if (index < 0) throw new ApiError(400, 'Invalid ctx');
      start = index + 1;
    }
    const values = items.slice(start, start + pagelen);
    const envelope: Envelope = { pagelen, values };
    const last = values[values.length - 1];
    if (start + pagelen < items.length && last !== undefined) {
      envelope.next = withParams(requestUrl, {
        ctx: Buffer.from(keyOf(last)).toString('base64url'),
        page: String(page + 1),
      });
    }
    return envelope;
  }
  const start = (page - 1) * pagelen;
  const envelope: Envelope = {
    size: items.length,
    page,
    pagelen,
    values: items.slice(start, start + pagelen),
  };
  if (start + pagelen < items.length) envelope.next = withParams(requestUrl, { page: String(page + 1) });
  if (page > 1) envelope.previous = withParams(requestUrl, { page: String(page - 1) });
  return envelope;
}
