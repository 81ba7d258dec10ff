import type { Migration } from '../migrate';

// When each model's relation last changed, and (incremental models) when a full build last changed
// it, so a transform run rebuilds only the models whose parents changed since they were built, and
// an incremental model in full when a parent was rebuilt in full.
export const modelChanges: Migration = {
  id: '012_model_changes',
  postgres: (db) => [
    `alter table ${db.table('etl_meta', 'model_builds')} add column changed_at timestamptz`,
    `alter table ${db.table('etl_meta', 'model_builds')} add column rebuilt_at timestamptz`,
  ],
  bigquery: (db) => [
    `alter table ${db.table('etl_meta', 'model_builds')} add column if not exists changed_at timestamp`,
    `alter table ${db.table('etl_meta', 'model_builds')} add column if not exists rebuilt_at timestamp`,
  ],
};
