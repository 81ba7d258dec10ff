import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, Row, WarehouseEngine } from './engine';
import { lockPgliteDir } from './pgliteLock';
import { postgresNames } from './postgresNames';

/** Embedded Postgres (WASM) in a local directory; `memory://` for a throwaway in-memory one. */
export async function openPglite(dir: string, schemaPrefix?: string): Promise<WarehouseEngine> {
  const inMemory = dir.startsWith('memory://');
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const unlock = inMemory ? () => {} : await lockPgliteDir(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  const run = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
  });
  return {
    name: 'pglite',
    dialect: 'postgres',
    ...postgresNames(schemaPrefix),
    ...run(db),
    transaction: (fn) => db.transaction((tx) => fn(run(tx))),
    close: () => db.close().finally(unlock),
  };
}
