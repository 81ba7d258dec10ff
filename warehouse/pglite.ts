import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, Row, WarehouseEngine } from './engine';
import { postgresNames } from './postgresNames';

/** Embedded Postgres (WASM) in a local directory; `memory://` for a throwaway in-memory one. */
export async function openPglite(dir: string, schemaPrefix?: string): Promise<WarehouseEngine> {
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
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
    close: () => db.close(),
  };
}
