// A token bucket kept in Postgres: one row per key, refilled by elapsed time and taken from in a
// single UPDATE (the row lock makes concurrent takers from any process queue up). Generic: the
// caller decides what a key is and what the rates mean.
import type { WarehouseEngine } from './engine';

export interface BucketShape {
  burst: number;
  fullRatePerMs: number;
}

export interface TakeResult {
  granted: boolean;
  /** When not granted: how long until a token is there at the current rate. */
  waitMs: number;
  /** What the bucket holds after this take (the budget left, for the metrics). */
  tokens: number;
}

/** The bucket of an OAuth consumer: every worker of a deployment takes from the same one. */
export function consumerBucketKey(clientId: string | undefined): string {
  return clientId ?? 'default';
}

export class PostgresTokenBucket {
  private readonly table: string;

  constructor(private readonly db: WarehouseEngine) {
    if (db.dialect !== 'postgres')
      throw new Error('PostgresTokenBucket needs a Postgres or PGlite warehouse');
    this.table = db.table('etl_meta', 'request_budget');
  }

  /** Takes a token; a bucket of another shape (its limit changed) takes the given one first. */
  async take(key: string, shape: BucketShape): Promise<TakeResult> {
    // On a new shape a slowed-down rate stays as far below the new full rate, and the tokens fit
    // the new burst.
    await this.db.query(
      `insert into ${this.table} as b (consumer, tokens, burst, full_rate_per_ms, rate_per_ms, updated_at)
       values ($1, $2, $2, $3, $3, clock_timestamp())
       on conflict (consumer) do update
          set burst = excluded.burst, full_rate_per_ms = excluded.full_rate_per_ms,
              rate_per_ms = b.rate_per_ms * excluded.full_rate_per_ms / b.full_rate_per_ms,
              tokens = least(b.tokens, excluded.burst)
        where (b.burst, b.full_rate_per_ms) is distinct from (excluded.burst, excluded.full_rate_per_ms)`,
      [key, shape.burst, shape.fullRatePerMs],
    );
    // Refill by elapsed time, then take one token if there is one; recover the rate a little.
    const rows = await this.db.query<{ granted: boolean; tokens: number; rate: number }>(
      `with refilled as (
         select consumer,
                least(burst, tokens + extract(epoch from (clock_timestamp() - updated_at)) * 1000 * rate_per_ms) as available
         from ${this.table} where consumer = $1 for update
       )
       update ${this.table} b
          set tokens = case when r.available >= 1 then r.available - 1 else r.available end,
              rate_per_ms = case when r.available >= 1 then least(b.full_rate_per_ms, b.rate_per_ms + b.full_rate_per_ms / 100) else b.rate_per_ms end,
              updated_at = clock_timestamp()
         from refilled r where b.consumer = r.consumer
       returning r.available >= 1 as granted, b.tokens, b.rate_per_ms as rate`,
      [key],
    );
    const row = rows[0];
    if (!row) throw new Error(`request budget row for ${key} is missing`);
    return {
      granted: row.granted,
      waitMs: row.granted ? 0 : Math.ceil((1 - Number(row.tokens)) / Number(row.rate)),
      tokens: Number(row.tokens),
    };
  }

  /** Requests per hour the bucket lets through now; undefined before anything took from it. */
  async ratePerHour(key: string): Promise<number | undefined> {
    const rows = await this.db.query<{ rate: number }>(
      `select rate_per_ms as rate from ${this.table} where consumer = $1`,
      [key],
    );
    return rows[0] ? Number(rows[0].rate) * 3_600_000 : undefined;
  }

  /** The server answered 429: halve the shared rate and empty the bucket. */
  async slowDown(key: string): Promise<void> {
    await this.db.query(
      `update ${this.table} set rate_per_ms = greatest(rate_per_ms / 2, full_rate_per_ms / 64), tokens = 0,
              updated_at = clock_timestamp() where consumer = $1`,
      [key],
    );
  }
}
