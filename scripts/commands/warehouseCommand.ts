// A command's warehouse: opened from the configuration, migrated (a warehouse nothing has written
// to yet is created rather than refused), closed when the work is done.
import type { Config } from '../../temporal.config';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { commandContext } from './context';

export async function withWarehouse<T>(
  work: (db: WarehouseEngine, config: Config) => Promise<T>,
): Promise<T> {
  const { config } = commandContext();
  const db = await openWarehouse(config.warehouse);
  try {
    await migrate(db);
    return await work(db, config);
  } finally {
    await db.close();
  }
}
