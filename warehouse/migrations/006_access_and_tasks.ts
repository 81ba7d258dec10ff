import type { Migration } from '../migrate';
import { RAW_STREAMS_006, rawTableDdl } from '../rawStreams';

// Raw tables for pull request tasks, project group and user permissions, and group members
// (issue 10), laid out like every other raw table (002).
export const accessAndTasks: Migration = {
  id: '006_access_and_tasks',
  postgres: (db) => rawTableDdl.postgres(db, RAW_STREAMS_006),
  bigquery: (db) => rawTableDdl.bigquery(db, RAW_STREAMS_006),
};
