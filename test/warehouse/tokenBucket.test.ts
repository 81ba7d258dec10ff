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

    it('takes the shape of a limit the server stated, for every worker, keeping a slowdown', async () => {
      const bucketRow = async () => {
        const [row] = await a.query<{ burst: number; full_rate_per_ms: number; rate_per_ms: number }>(
          `select burst, full_rate_per_ms, rate_per_ms from ${a.table('etl_meta', 'request_budget')} where consumer = $1`,
          ['consumer-z'],
        );
        return {
          burst: Number(row?.burst),
          full: Number(row?.full_rate_per_ms),
          rate: Number(row?.rate_per_ms),
        };
      };
      const configured = { limitPerWindow: 1_000 };
      const workerA = new SharedBudget(new PostgresTokenBucket(a), 'consumer-z', configured);
      await workerA.acquire();
      expect(await bucketRow()).toMatchObject({ burst: 50, full: 950 / 3_600_000 });
      await new PostgresTokenBucket(a).slowDown('consumer-z');

      // An answer to worker A says 10,000 an hour; worker B (another process) hears the same.
      workerA.onServerLimit('10000');
      await workerA.acquire();
      const stated = await bucketRow();
      expect(stated).toMatchObject({ burst: 500, full: 9_500 / 3_600_000 });
      // Still half the full rate, plus one request's recovery (1%).
      expect(stated.rate / stated.full).toBeCloseTo(0.51, 3);
      const workerB = new SharedBudget(new PostgresTokenBucket(b), 'consumer-z', configured);
      workerB.onServerLimit('10000');
      await workerB.acquire();
      expect(await bucketRow()).toMatchObject({ burst: 500, full: 9_500 / 3_600_000 });
    });
  },
  ['postgres'],
);
