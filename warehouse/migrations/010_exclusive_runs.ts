import type { Migration } from '../migrate';

// One row per job that runs one at a time across workers (transforms): who holds its lease and
// until when (PGlite, BigQuery; Postgres locks with an advisory lock instead), and the start of its
// newest successful run, which tells a waiting caller whether a run already covered its request.
// Times are microseconds since the epoch on the warehouse's own clock, the same for every worker.
export const exclusiveRuns: Migration = {
  id: '010_exclusive_runs',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'exclusive_runs')} (
      name text primary key,
      holder text,
      lease_until_us bigint,
      covered_from_us bigint
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'exclusive_runs')} (
      name string not null,
      holder string,
      lease_until_us int64,
      covered_from_us int64
    )`,
  ],
};
