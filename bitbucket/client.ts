// The Bitbucket Cloud API client: the same code talks to bitbucket.org and to the sandbox (only
// the base URL differs). It sends the bearer token, follows `next` links exactly as given (only
// to the API's own origin, so a token never leaves for another host), spends the request budget
// (and tells it the limit Bitbucket states in X-RateLimit-Limit), retries RATE and TRANSIENT
// failures with exponential backoff and jitter, refreshes the token once on a 401, and turns every
// failure into a classified BitbucketError. An optional observer hears every answer (the worker's
// metrics); the client knows nothing of what listens.
import { BitbucketError, kindForStatus } from './errors';
import type { RequestBudget } from './requestBudget';

export interface TokenProvider {
  accessToken(): Promise<string>;
  /** Called once after a 401 with the rejected token; returns a fresh one or throws AUTH. */
  refreshAfterUnauthorized(rejected: string): Promise<string>;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  transientErrors: number;
}

/** What one HTTP request to the API came to (each attempt of a retried call is one). */
export interface RequestOutcome {
  /** The stream the caller said the request reads; undefined when it said none. */
  stream: string | undefined;
  /** The HTTP status; undefined when no answer came (timeout, connection failed). */
  status: number | undefined;
  /** Answered 429. */
  rateLimited: boolean;
  /** What the request budget let out at once after granting this request, when it says. */
  budgetLeft: number | undefined;
}

export type RequestObserver = (outcome: RequestOutcome) => void;

/** What a call may say about itself for observers: the stream it reads. */
export interface RequestLabel {
  stream: string;
}

export interface ClientOptions {
  apiUrl: string;
  tokens: TokenProvider;
  budget?: RequestBudget;
  /** Told the outcome of every request; it must not throw. */
  onRequest?: RequestObserver;
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type Query = Record<string, string | number | readonly string[] | undefined>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorMessageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; detail?: string } };
    const { message, detail } = body.error ?? {};
    return message ? (detail ? `${message} (${detail})` : message) : undefined;
  } catch {
    return text.trim().slice(0, 200) || undefined;
  }
}

/**
 * Whether the credential holds one of the scopes an endpoint accepts (`X-Accepted-Oauth-Scopes`
 * against `X-OAuth-Scopes`; a `:write`/`:admin` scope covers the read one). When it does, a 403
 * means something else (e.g. the user is not an admin). Without the header, assume not.
 */
function scopeGranted(accepted: string, granted: string | null): boolean {
  const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);
  const held = new Set(list(granted ?? '').flatMap((s) => [s, s.replace(/:(write|admin)$/, '')]));
  return list(accepted).some((s) => held.has(s));
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export class BitbucketClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, transientErrors: 0 };
  /** Bitbucket's clock, from the Date header of the last answer (window bounds use it). */
  serverTime?: Date;
  private readonly origin: string;
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** The absolute URL for an API path (with query) or a `next` link. */
  url(pathOrUrl: string, query: Query = {}): URL {
    const url = new URL(/^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`);
    if (url.origin !== this.origin) {
      throw new BitbucketError('BAD_PAYLOAD', `refusing to follow a link to another host: ${url.origin}`);
    }
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, String(v));
    }
    return url;
  }

  /** The absolute URL of an API 1.0 resource (the few still served, e.g. groups): beside /2.0. */
  legacyUrl(path: string): string {
    return new URL(`../1.0${path}`, `${this.base}/`).toString();
  }

  /**
   * GETs JSON, with retries; `pathOrUrl` is an API path or a `next` link. `label` names the stream
   * the request reads, for the observer.
   */
  async get<T = unknown>(pathOrUrl: string, query: Query = {}, label?: RequestLabel): Promise<T> {
    const url = this.url(pathOrUrl, query);
    const maxAttempts = this.options.maxAttempts ?? 8;
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once<T>(url, refreshed, label?.stream);
      } catch (err) {
        if (err instanceof UnauthorizedOnce && !refreshed) {
          // One refresh per call: a second 401 means the grant is gone (AUTH, not retried).
          refreshed = true;
          await this.options.tokens.refreshAfterUnauthorized(err.rejectedToken);
          attempt -= 1;
          continue;
        }
        const error = err instanceof UnauthorizedOnce ? err.error : err;
        if (!(error instanceof BitbucketError) || !error.retryable || attempt >= maxAttempts) throw error;
        this.stats.retries += 1;
        await this.sleep(this.backoff(attempt, error.details.retryAfterMs));
      }
    }
  }

  private backoff(attempt: number, retryAfter?: number): number {
    if (retryAfter !== undefined) return retryAfter;
    const base = this.options.backoffBaseMs ?? 500;
    const cap = this.options.backoffMaxMs ?? 60_000;
    // "Full jitter": a random wait up to the exponential ceiling spreads retries apart.
    return Math.round(this.random() * Math.min(cap, base * 2 ** (attempt - 1)));
  }

  private async once<T>(url: URL, afterRefresh: boolean, stream: string | undefined): Promise<T> {
    const budgetLeft = await this.options.budget?.acquire();
    const token = await this.options.tokens.accessToken();
    const path = url.pathname;
    this.stats.requests += 1;
    const observe = (status: number | undefined) =>
      this.options.onRequest?.({
        stream,
        status,
        rateLimited: status !== undefined && kindForStatus(status) === 'RATE',
        budgetLeft,
      });
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        redirect: 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await res.text();
      const date = Date.parse(res.headers.get('date') ?? '');
      if (Number.isFinite(date)) this.serverTime = new Date(date);
      const serverLimit = res.headers.get('x-ratelimit-limit');
      if (serverLimit !== null) this.options.budget?.onServerLimit(serverLimit);
    } catch (cause) {
      observe(undefined);
      this.stats.transientErrors += 1;
      const reason = (cause as Error)?.name === 'TimeoutError' ? 'timed out' : 'connection failed';
      throw new BitbucketError('TRANSIENT', `GET ${path}: ${reason}`, { path }, { cause });
    }
    observe(res.status);
    if (res.status === 200) {
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        this.stats.transientErrors += 1;
        throw new BitbucketError(
          'TRANSIENT',
          `GET ${path}: truncated or invalid JSON`,
          { path, status: 200 },
          { cause },
        );
      }
    }
    const kind = kindForStatus(res.status);
    const details = { status: res.status, path, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
    if (kind === 'RATE') {
      this.stats.rateLimited += 1;
      this.options.budget?.onRateLimited();
    }
    if (kind === 'TRANSIENT') this.stats.transientErrors += 1;
    let message = `GET ${path}: ${res.status} ${errorMessageOf(text) ?? res.statusText}`;
    if (kind === 'FORBIDDEN') {
      const needed = res.headers.get('x-accepted-oauth-scopes');
      if (needed && !scopeGranted(needed, res.headers.get('x-oauth-scopes')))
        message += `; this needs the OAuth scope "${needed}", which the connection was not granted`;
    }
    const error = new BitbucketError(kind, message, details);
    if (kind === 'AUTH' && !afterRefresh) throw new UnauthorizedOnce(error, token);
    throw error;
  }
}

/** Internal: a first 401, to be answered with one token refresh. */
class UnauthorizedOnce extends Error {
  constructor(
    readonly error: BitbucketError,
    readonly rejectedToken: string,
  ) {
    super(error.message);
  }
}
