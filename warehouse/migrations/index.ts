import type { Migration } from '../migrate';
import { connections } from './001_etl_meta_connections';
import { rawAndLedger } from './002_raw_and_ledger';
import { requestBudget } from './003_request_budget';
import { transformRuns } from './004_transform_runs';
import { identityMap } from './005_identity_map';
import { accessAndTasks } from './006_access_and_tasks';
import { webAccounts } from './007_web_accounts';
import { transformSamples } from './008_transform_samples';
import { connectionStreams } from './009_connection_streams';
import { exclusiveRuns } from './010_exclusive_runs';
import { modelBuilds } from './011_model_builds';
import { modelChanges } from './012_model_changes';
import { auditEvents } from './013_audit_events';
import { seatPrices } from './014_seat_prices';
import { rawChangeIndexes } from './015_raw_change_indexes';

/** Every migration, in the order they apply. Append only. */
export const MIGRATIONS: Migration[] = [
  connections,
  rawAndLedger,
  requestBudget,
  transformRuns,
  identityMap,
  accessAndTasks,
  webAccounts,
  transformSamples,
  connectionStreams,
  exclusiveRuns,
  modelBuilds,
  modelChanges,
  auditEvents,
  seatPrices,
  rawChangeIndexes,
];
