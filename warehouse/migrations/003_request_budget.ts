import type { Migration } from '../migrate';

// A token bucket per OAuth consumer, shared by every worker that uses this warehouse, so the
// consumer's hourly request budget holds however many workers run (Postgres; see tokenBucket.ts).
export const requestBudget: Migration = {
  id: '003_request_budget',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'request_budget')} (
      consumer text primary key,
      tokens double precision not null,
      burst double precision not null,
      full_rate_per_ms double precision not null,
      rate_per_ms double precision not null,
      updated_at timestamptz not null
    )`,
  ],
  // BigQuery is no place for a per-request lock; workers on BigQuery pace in-process.
  bigquery: () => [],
};
