// Spends an OAuth consumer's request budget (Bitbucket: ~1,000 requests per rolling hour) evenly
// instead of bursting into 429s. A token bucket holding a small burst refills at (limit - burst)
// per window, so no rolling window can ever see more than `limit` requests. When 429s still come
// (another client shares the consumer, or the server's limit is lower), the rate halves, then
// recovers step by step with every request that goes through (AIMD). When an answer carries
// X-RateLimit-Limit (Bitbucket sends it for access-token traffic, whose scaled limit can be
// 1,000-10,000 an hour), that is the consumer's real limit: the budget resizes to it.
import type { Logger } from '../lib/log';

export interface RequestBudget {
  /**
   * Resolves when one request may be sent, with the requests it would let out at once after this
   * one (its bucket's whole tokens; 0 while requests queue on it), when it knows.
   */
  acquire(): Promise<number | undefined>;
  /** The server said 429: slow down. */
  onRateLimited(): void;
  /** An answer carried X-RateLimit-Limit (requests per hour, as sent): size the budget to it. */
  onServerLimit(header: string): void;
}

export interface PacedBudgetOptions {
  limitPerWindow: number;
  windowMs?: number;
  /** Requests that may go out back to back (default 5% of the limit, at least 1). */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Where a change of the limit by the server, or a header that makes no sense, is told. */
  log?: Logger;
}

const HOUR_MS = 3_600_000;
/** Ten times Bitbucket's largest scaled limit: a header above it is garbage, not a limit. */
const MAX_SERVER_LIMIT_PER_HOUR = 100_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface BucketShape {
  burst: number;
  fullRatePerMs: number;
}

/** Burst and refill rate that keep every rolling window at or under the limit. */
function bucketShape(options: PacedBudgetOptions): BucketShape {
  const windowMs = options.windowMs ?? HOUR_MS;
  const burst = Math.max(
    1,
    Math.min(options.burst ?? Math.floor(options.limitPerWindow * 0.05), options.limitPerWindow - 1 || 1),
  );
  return { burst, fullRatePerMs: Math.max(options.limitPerWindow - burst, 1) / windowMs };
}

/**
 * The shape a budget paces to: the configured limit's, until the server states another in
 * X-RateLimit-Limit (above or below the configuration: the header is the truth for this
 * consumer). A value that is no plausible limit is ignored, with one warning.
 */
class ServerSizedShape {
  shape: BucketShape;
  private readonly windowMs: number;
  private perHour: number;
  private warned = false;

  constructor(private readonly options: PacedBudgetOptions) {
    this.windowMs = options.windowMs ?? HOUR_MS;
    this.perHour = (options.limitPerWindow * HOUR_MS) / this.windowMs;
    this.shape = bucketShape(options);
  }

  get limitPerHour(): number {
    return this.perHour;
  }

  /** True when the header changed the shape. */
  follow(header: string): boolean {
    const perHour = /^\d+$/.test(header.trim()) ? Number(header) : Number.NaN;
    if (!(perHour >= 1 && perHour <= MAX_SERVER_LIMIT_PER_HOUR)) {
      if (!this.warned) this.options.log?.warn({ header }, 'ignoring an X-RateLimit-Limit that is no limit');
      this.warned = true;
      return false;
    }
    if (perHour === this.perHour) return false;
    this.options.log?.info(
      { fromPerHour: this.perHour, toPerHour: perHour },
      'the request budget follows the X-RateLimit-Limit Bitbucket sent',
    );
    this.perHour = perHour;
    this.shape = bucketShape({ ...this.options, limitPerWindow: (perHour * this.windowMs) / HOUR_MS });
    return true;
  }
}

export class PacedBudget implements RequestBudget {
  private readonly sizing: ServerSizedShape;
  private rate: number;
  private tokens: number;
  private last: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  rateLimitedCount = 0;

  constructor(options: PacedBudgetOptions) {
    this.sizing = new ServerSizedShape(options);
    this.rate = this.sizing.shape.fullRatePerMs;
    this.tokens = this.sizing.shape.burst;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.last = this.now();
  }

  /** Requests per hour it currently allows (for progress reports). */
  get currentRatePerHour(): number {
    return this.rate * HOUR_MS;
  }

  /** The hourly limit it paces to: the configured one, or the one the server stated. */
  get limitPerHour(): number {
    return this.sizing.limitPerHour;
  }

  acquire(): Promise<number> {
    // Callers queue up so that concurrent requests are spaced, not released together.
    const turn = this.queue.then(() => this.takeToken());
    this.queue = turn.catch(() => {});
    return turn;
  }

  onRateLimited(): void {
    this.rateLimitedCount += 1;
    this.rate = Math.max(this.rate / 2, this.sizing.shape.fullRatePerMs / 64);
    this.tokens = 0;
  }

  onServerLimit(header: string): void {
    const before = this.sizing.shape.fullRatePerMs;
    this.refill(); // time so far counts at the old rate
    if (!this.sizing.follow(header)) return;
    const { burst, fullRatePerMs } = this.sizing.shape;
    // A budget slowed down by 429s stays as far below its (new) full rate.
    this.rate *= fullRatePerMs / before;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.sizing.shape.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  /** Waits for a token and takes it; returns the whole tokens left. */
  private async takeToken(): Promise<number> {
    this.refill();
    while (this.tokens < 1) {
      await this.sleep(Math.ceil((1 - this.tokens) / this.rate));
      this.refill();
    }
    this.tokens -= 1;
    // Additive recovery: each request that goes through wins back a slice of the full rate.
    const full = this.sizing.shape.fullRatePerMs;
    this.rate = Math.min(full, this.rate + full / 100);
    return Math.floor(this.tokens);
  }
}

/** Where a shared budget keeps its bucket (the warehouse, for all workers of a deployment). */
export interface SharedBucketStore {
  /**
   * Takes a token; a bucket of another shape (the limit changed) takes this one first. `tokens`:
   * what the bucket holds after the take.
   */
  take(key: string, shape: BucketShape): Promise<{ granted: boolean; waitMs: number; tokens: number }>;
  slowDown(key: string): Promise<void>;
}

/**
 * The same pacing as PacedBudget, with the bucket in a store every worker shares: the consumer's
 * budget holds however many worker processes run against it, and a limit the server states
 * reaches all of them through the bucket's shape.
 */
export class SharedBudget implements RequestBudget {
  private readonly sizing: ServerSizedShape;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: SharedBucketStore,
    private readonly consumer: string,
    options: Omit<PacedBudgetOptions, 'now'>,
  ) {
    this.sizing = new ServerSizedShape(options);
    this.sleep = options.sleep ?? defaultSleep;
  }

  async acquire(): Promise<number> {
    for (;;) {
      const { granted, waitMs, tokens } = await this.store.take(this.consumer, this.sizing.shape);
      if (granted) return Math.floor(tokens);
      await this.sleep(Math.max(1, waitMs));
    }
  }

  onRateLimited(): void {
    // Best effort: a failed write only means the others slow down on their own 429s.
    this.store.slowDown(this.consumer).catch(() => {});
  }

  onServerLimit(header: string): void {
    // The next take carries the new shape into the shared bucket.
    this.sizing.follow(header);
  }
}
