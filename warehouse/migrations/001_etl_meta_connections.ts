import type { Migration } from '../migrate';

// OAuth connections (tokens encrypted by the caller; this table only stores ciphertext), their
// status history, and single-use OAuth `state` values. `used_by` holds the consumer's nonce, so
// a consumer on BigQuery (no RETURNING, no affected-row count) can tell whether its update won.
export const connections: Migration = {
  id: '001_etl_meta_connections',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'connections')} (
      id text primary key,
      provider text not null,
      status text not null,
      status_reason text,
      status_changed_at timestamptz not null,
      grant_type text,
      scopes text,
      account jsonb,
      workspaces jsonb not null default '[]'::jsonb,
      secrets text,
      access_expires_at timestamptz,
      token_version integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table ${db.table('etl_meta', 'connection_events')} (
      connection_id text not null,
      occurred_at timestamptz not null default now(),
      from_status text,
      to_status text not null,
      reason text
    )`,
    `create index on ${db.table('etl_meta', 'connection_events')} (connection_id, occurred_at)`,
    `create table ${db.table('etl_meta', 'oauth_states')} (
      state_hash text primary key,
      purpose text not null,
      binding text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      used_by text
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'connections')} (
      id string not null,
      provider string not null,
      status string not null,
      status_reason string,
      status_changed_at timestamp not null,
      grant_type string,
      scopes string,
      account json,
      workspaces json,
      secrets string,
      access_expires_at timestamp,
      token_version int64 not null,
      created_at timestamp not null,
      updated_at timestamp not null
    )`,
    `create table if not exists ${db.table('etl_meta', 'connection_events')} (
      connection_id string not null,
      occurred_at timestamp not null,
      from_status string,
      to_status string not null,
      reason string
    )`,
    `create table if not exists ${db.table('etl_meta', 'oauth_states')} (
      state_hash string not null,
      purpose string not null,
      binding string,
      created_at timestamp not null,
      expires_at timestamp not null,
      used_at timestamp,
      used_by string
    )`,
  ],
};
