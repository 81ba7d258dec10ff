// Spends an OAuth consumer's request budget (Bitbucket: ~1,000 requests per rolling hour) evenly
// instead of bursting into 429s. A token bucket holding a small burst refills at (limit - burst)
// per window, so no rolling window can ever see more than `limit` requests. When 429s still come
// (another client shares the consumer, or the server's limit is lower), the rate halves, then
// recovers step by step with every request that goes through (AIMD).
export interface RequestBudget {
  /** Resolves when one request may be sent. */
  acquire(): Promise<void>;
  /** The server said 429: slow down. */
  onRateLimited(): void;
}

export interface PacedBudgetOptions {
  limitPerWindow: number;
  windowMs?: number;
  /** Requests that may go out back to back (default 5% of the limit, at least 1). */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Burst and refill rate that keep every rolling window at or under the limit. */
function bucketShape(options: PacedBudgetOptions): { burst: number; fullRatePerMs: number } {
  const windowMs = options.windowMs ?? 3_600_000;
  const burst = Math.max(
    1,
    Math.min(options.burst ?? Math.floor(options.limitPerWindow * 0.05), options.limitPerWindow - 1 || 1),
  );
  return { burst, fullRatePerMs: Math.max(options.limitPerWindow - burst, 1) / windowMs };
}

export class PacedBudget implements RequestBudget {
  private readonly burst: number;
  private readonly fullRate: number;
  private rate: number;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  rateLimitedCount = 0;

  constructor(options: PacedBudgetOptions) {
    const shape = bucketShape(options);
    this.burst = shape.burst;
    this.fullRate = shape.fullRatePerMs;
    this.rate = this.fullRate;
    this.tokens = this.burst;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.last = this.now();
  }

  /** Requests per hour it currently allows (for progress reports). */
  get currentRatePerHour(): number {
    return this.rate * 3_600_000;
  }

  acquire(): Promise<void> {
    // Callers queue up so that concurrent requests are spaced, not released together.
    const turn = this.queue.then(() => this.takeToken());
    this.queue = turn.catch(() => {});
    return turn;
  }

  onRateLimited(): void {
    this.rateLimitedCount += 1;
    this.rate = Math.max(this.rate / 2, this.fullRate / 64);
    this.tokens = 0;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  private async takeToken(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      await this.sleep(Math.ceil((1 - this.tokens) / this.rate));
      this.refill();
    }
    this.tokens -= 1;
    // Additive recovery: each request that goes through wins back a slice of the full rate.
    this.rate = Math.min(this.fullRate, this.rate + this.fullRate / 100);
  }
}

/** Where a shared budget keeps its bucket (the warehouse, for all workers of a deployment). */
export interface SharedBucketStore {
  take(
    key: string,
    shape: { burst: number; fullRatePerMs: number },
  ): Promise<{ granted: boolean; waitMs: number }>;
  slowDown(key: string): Promise<void>;
}

/**
 * The same pacing as PacedBudget, with the bucket in a store every worker shares: the consumer's
 * budget holds however many worker processes run against it.
 */
export class SharedBudget implements RequestBudget {
  private readonly shape: { burst: number; fullRatePerMs: number };
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: SharedBucketStore,
    private readonly consumer: string,
    options: Omit<PacedBudgetOptions, 'now'>,
  ) {
    this.shape = bucketShape(options);
    this.sleep = options.sleep ?? defaultSleep;
  }

  async acquire(): Promise<void> {
    for (;;) {
      const { granted, waitMs } = await this.store.take(this.consumer, this.shape);
      if (granted) return;
      await this.sleep(Math.max(1, waitMs));
    }
  }

  onRateLimited(): void {
    // Best effort: a failed write only means the others slow down on their own 429s.
    this.store.slowDown(this.consumer).catch(() => {});
  }
}
