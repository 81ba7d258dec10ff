import type { Migration } from '../migrate';

// The offending rows a data test found (the first few, as text cells, in JSON), beside the count
// already in row_count: the status page shows a warning with its rows, as the CLI prints them.
export const transformSamples: Migration = {
  id: '008_transform_samples',
  postgres: (db) => [`alter table ${db.table('etl_meta', 'transform_runs')} add column sample text`],
  bigquery: (db) => [
    `alter table ${db.table('etl_meta', 'transform_runs')} add column if not exists sample string`,
  ],
};
