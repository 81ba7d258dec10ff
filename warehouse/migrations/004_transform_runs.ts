import type { Migration } from '../migrate';

// The transform ledger: one row per model or data test per transform run (bbetl transform, or the
// transforms after a sync), with its outcome and timing. A run is recorded whole after it ends
// (warehouse/transformLedger.ts); recording it again replaces its rows.
export const transformRuns: Migration = {
  id: '004_transform_runs',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'transform_runs')} (
      transform_run_id text not null,
      triggered_by text not null,
      node text not null,
      kind text not null check (kind in ('model', 'test')),
      materialized text,
      status text not null,
      started_at timestamptz not null,
      ms integer not null,
      row_count bigint,
      error text,
      primary key (transform_run_id, kind, node)
    )`,
    `create index on ${db.table('etl_meta', 'transform_runs')} (started_at)`,
  ],
  // BigQuery enforces no keys: rows are replaced per run by transformLedger.ts.
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'transform_runs')} (
      transform_run_id string not null,
      triggered_by string not null,
      node string not null,
      kind string not null,
      materialized string,
      status string not null,
      started_at timestamp not null,
      ms int64 not null,
      row_count int64,
      error string
    ) cluster by transform_run_id`,
  ],
};
