import type { Migration } from '../migrate';
import { RAW_STREAMS_002, rawTableDdl } from '../rawStreams';

// The raw landing zone (one table per stream, keyed by (connection_id, record_key); payloads are
// hashed so unchanged records are never rewritten; _deleted_at is the tombstone of id
// reconciliation) and the run ledger: per-scope cursors and watermarks, runs, record errors.
// BigQuery enforces no keys: the loader's MERGE keeps (connection_id, record_key) unique there,
// and clustering on it keeps those MERGEs cheap.
export const rawAndLedger: Migration = {
  id: '002_raw_and_ledger',
  postgres: (db) => [
    ...rawTableDdl.postgres(db, RAW_STREAMS_002),
    `create table ${db.table('etl_meta', 'stream_state')} (
      connection_id text not null,
      scope_key text not null default '',
      stream text not null,
      watermark timestamptz,
      cursor jsonb,
      updated_at timestamptz not null default now(),
      primary key (connection_id, stream, scope_key)
    )`,
    `create table ${db.table('etl_meta', 'runs')} (
      run_id text primary key,
      connection_id text not null,
      workflow_id text,
      kind text not null,
      workspace text,
      window_since timestamptz,
      window_until timestamptz,
      status text not null check (status in ('running', 'completed', 'failed', 'cancelled')),
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      records bigint not null default 0,
      requests bigint not null default 0,
      rate_limited bigint not null default 0,
      errors bigint not null default 0,
      detail jsonb
    )`,
    `create index on ${db.table('etl_meta', 'runs')} (connection_id, started_at)`,
    `create table ${db.table('etl_meta', 'errors')} (
      connection_id text not null,
      run_id text,
      stream text,
      record_key text,
      kind text not null,
      message text not null,
      raw text,
      occurred_at timestamptz not null default now()
    )`,
    `create index on ${db.table('etl_meta', 'errors')} (run_id)`,
    `create index on ${db.table('etl_meta', 'errors')} (connection_id, occurred_at)`,
  ],
  bigquery: (db) => [
    ...rawTableDdl.bigquery(db, RAW_STREAMS_002),
    `create table if not exists ${db.table('etl_meta', 'stream_state')} (
      connection_id string not null,
      scope_key string not null,
      stream string not null,
      watermark timestamp,
      cursor json,
      updated_at timestamp not null
    ) cluster by connection_id, stream, scope_key`,
    `create table if not exists ${db.table('etl_meta', 'runs')} (
      run_id string not null,
      connection_id string not null,
      workflow_id string,
      kind string not null,
      workspace string,
      window_since timestamp,
      window_until timestamp,
      status string not null,
      started_at timestamp not null,
      finished_at timestamp,
      records int64 not null,
      requests int64 not null,
      rate_limited int64 not null,
      errors int64 not null,
      detail json
    ) cluster by connection_id, run_id`,
    `create table if not exists ${db.table('etl_meta', 'errors')} (
      connection_id string not null,
      run_id string,
      stream string,
      record_key string,
      kind string not null,
      message string not null,
      raw string,
      occurred_at timestamp not null
    ) cluster by connection_id, run_id`,
  ],
};
