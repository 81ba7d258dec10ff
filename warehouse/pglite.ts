import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Row, WarehouseEngine } from './engine';

/** Embedded Postgres (WASM) in a local directory; `memory://` for a throwaway in-memory one. */
export async function openPglite(dir: string): Promise<WarehouseEngine> {
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  return {
    name: 'pglite',
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<T>(sql, params as unknown[]);
      return result.rows;
    },
    close: () => db.close(),
  };
}
