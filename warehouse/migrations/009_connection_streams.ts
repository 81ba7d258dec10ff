import type { Migration } from '../migrate';

// Each connection's own stream settings (`bbetl streams on|off`): one row per stream it turned on
// or off; a stream without a row follows BBETL_STREAMS and the defaults.
export const connectionStreams: Migration = {
  id: '009_connection_streams',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'connection_streams')} (
      connection_id text not null,
      stream text not null,
      enabled boolean not null,
      updated_at timestamptz not null default now(),
      primary key (connection_id, stream)
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'connection_streams')} (
      connection_id string not null,
      stream string not null,
      enabled bool not null,
      updated_at timestamp not null
    )`,
  ],
};
