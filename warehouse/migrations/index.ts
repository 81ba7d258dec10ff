import type { Migration } from '../migrate';
import { connections } from './001_etl_meta_connections';

/** Every migration, in the order they apply. Append only. */
export const MIGRATIONS: Migration[] = [connections];
