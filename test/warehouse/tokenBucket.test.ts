import { afterAll, beforeAll, expect, it } from 'vitest';
import { SharedBudget } from '../../bitbucket/requestBudget';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { PostgresTokenBucket } from '../../warehouse/tokenBucket';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

describeEachWarehouse(
  'a request budget shared by several workers',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    let a: WarehouseEngine;
    let b: WarehouseEngine;
    beforeAll(async () => {
      a = fx.db;
      // A second, separate connection pool: another worker process as far as Postgres can tell.
      b = await openWarehouse(fx.wh.config);
    });
    afterAll(async () => {
      await b?.close();
    });

    it('never lets two workers together exceed the consumer limit in any window', async () => {
      // 30 requests per 2 s (burst 3): both workers try as fast as they can for 3 s.
      const options = { limitPerWindow: 30, windowMs: 2_000, burst: 3 };
      const grants: number[] = [];
      const run = async (db: WarehouseEngine) => {
        const budget = new SharedBudget(new PostgresTokenBucket(db), 'consumer-x', options);
        const end = Date.now() + 3_000;
        let mine = 0;
        while (Date.now() < end) {
          await budget.acquire();
          grants.push(Date.now());
          mine += 1;
        }
        return mine;
      };
      const [fromA, fromB] = await Promise.all([run(a), run(b)]);
      expect(fromA).toBeGreaterThan(3);
      expect(fromB).toBeGreaterThan(3);
      grants.sort((x, y) => x - y);
      for (const start of grants) {
        expect(grants.filter((t) => t >= start && t < start + 2_000).length).toBeLessThanOrEqual(30);
      }
      // Burst, then the refill rate: 3 + 27 per 2 s over ~3 s.
      expect(grants.length).toBeGreaterThan(30);
      expect(grants.length).toBeLessThanOrEqual(3 + Math.ceil((27 / 2_000) * 3_300));
    });

    it('halves the shared rate after a 429', async () => {
      const bucket = new PostgresTokenBucket(a);
      await bucket.take('consumer-y', { burst: 1, fullRatePerMs: 0.01 });
      await bucket.slowDown('consumer-y');
      const [row] = await a.query<{ rate_per_ms: number; tokens: number }>(
        `select rate_per_ms, tokens from ${a.table('etl_meta', 'request_budget')} where consumer = $1`,
        ['consumer-y'],
      );
      expect(Number(row?.rate_per_ms)).toBeCloseTo(0.005);
      expect(Number(row?.tokens)).toBe(0);
    });
  },
  ['postgres'],
);
