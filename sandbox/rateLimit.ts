// Bitbucket's request budget for OAuth traffic: a rolling window (one hour) per OAuth consumer,
// whichever user granted the token. Capacity comes back gradually as old requests age out.
export class RollingRateLimit {
  private readonly hits = new Map<string, number[]>();

  constructor(
    public limit: number,
    public windowMs = 3_600_000,
    /** Answer as Bitbucket does for access-token traffic: with X-RateLimit-* headers (OAuth: none). */
    public sendsHeaders = false,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; false when the consumer is over its budget (the request is not counted). */
  take(consumer: string): boolean {
    const now = this.now();
    const list = this.hits.get(consumer) ?? [];
    while (list.length > 0 && (list[0] as number) <= now - this.windowMs) list.shift();
    this.hits.set(consumer, list);
    if (list.length >= this.limit) return false;
    list.push(now);
    return true;
  }

  used(consumer: string): number {
    const now = this.now();
    return (this.hits.get(consumer) ?? []).filter((t) => t > now - this.windowMs).length;
  }

  /** The headers of a scaled endpoint's answer: the limit per hour, and whether under 20% is left. */
  headers(consumer: string): Record<string, string> {
    const left = this.limit - this.used(consumer);
    return {
      'X-RateLimit-Limit': String(Math.floor((this.limit * 3_600_000) / this.windowMs)),
      'X-RateLimit-Resource': 'api',
      'X-RateLimit-NearLimit': String(left < this.limit * 0.2),
    };
  }
}
