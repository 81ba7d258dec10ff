// The warehouse contract every engine implements. Callers write SQL with $1, $2 … placeholders;
// each adapter binds them its own way. JSON columns come back parsed on every engine.
import type { WarehouseConfig } from '../temporal.config';

export type EngineName = WarehouseConfig['engine'];

export type Row = Record<string, unknown>;

export interface WarehouseEngine {
  readonly name: EngineName;
  /** Runs one statement and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openWarehouse(config: WarehouseConfig): Promise<WarehouseEngine> {
  switch (config.engine) {
    case 'pglite':
      return (await import('./pglite')).openPglite(config.dir);
    case 'postgres':
      return (await import('./postgres')).openPostgres(config.url);
    case 'bigquery':
      return (await import('./bigquery')).openBigQuery(config);
  }
}
