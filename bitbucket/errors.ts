// Every failure talking to Bitbucket is one of these kinds. The kind decides what happens next:
// RATE and TRANSIENT are retried with backoff; AUTH stops the connection (reconnect required);
// FORBIDDEN skips the stream that lacks a scope; NOT_FOUND/GONE skips the list that answered it
// (an entity is tombstoned only when its own read, or a complete re-list, says it is gone);
// BAD_REQUEST is a bug on our side; BAD_PAYLOAD parks the record. Messages never carry tokens.
export type BitbucketErrorKind =
  | 'AUTH'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'GONE'
  | 'RATE'
  | 'TRANSIENT'
  | 'BAD_REQUEST'
  | 'BAD_PAYLOAD';

export interface BitbucketErrorDetails {
  status?: number;
  /** The request path (no query string: it may hold filters, never secrets, but stays short). */
  path?: string;
  /** Server-suggested wait, when it sent Retry-After. */
  retryAfterMs?: number;
}

export class BitbucketError extends Error {
  constructor(
    readonly kind: BitbucketErrorKind,
    message: string,
    readonly details: BitbucketErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `Bitbucket${kind[0]}${kind
      .slice(1)
      .toLowerCase()
      .replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}Error`;
  }

  get retryable(): boolean {
    return this.kind === 'RATE' || this.kind === 'TRANSIENT';
  }
}

export const isBitbucketError = (err: unknown, kind?: BitbucketErrorKind): err is BitbucketError =>
  err instanceof BitbucketError && (kind === undefined || err.kind === kind);

/** Classifies an HTTP status from the API. */
export function kindForStatus(status: number): BitbucketErrorKind {
  if (status === 401) return 'AUTH';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 410) return 'GONE';
  if (status === 429) return 'RATE';
  if (status >= 500 || status === 408) return 'TRANSIENT';
  return 'BAD_REQUEST';
}
