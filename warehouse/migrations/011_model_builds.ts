import type { Migration } from '../migrate';

// The SQL each incremental model's relation was built from (a hash of its full-refresh SQL): when
// the project changes a model (a new column, a new rule), its next build is a full one, since
// adding rows under the new SQL to rows made by the old one would mix the two.
export const modelBuilds: Migration = {
  id: '011_model_builds',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'model_builds')} (
      model text primary key,
      sql_hash text not null,
      built_at timestamptz not null default now()
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'model_builds')} (
      model string not null,
      sql_hash string not null,
      built_at timestamp not null
    )`,
  ],
};
