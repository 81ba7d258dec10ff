// A warehouse engine that records the SQL it is sent (in transactions too), for tests that count
// what a run asks of the warehouse.
import type { WarehouseEngine } from '../../warehouse/engine';

export function recordingEngine(db: WarehouseEngine): { engine: WarehouseEngine; statements: string[] } {
  const statements: string[] = [];
  const engine: WarehouseEngine = {
    ...db,
    query: (sql, params) => {
      statements.push(sql);
      return db.query(sql, params);
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: (sql, params) => {
            statements.push(sql);
            return tx.query(sql, params);
          },
        }),
      ),
  };
  return { engine, statements };
}
