// The request savings lose nothing: one sandbox, two warehouses, one pipeline reading as bbetl does
// by default and one reading every list (`readEveryList`). After a backfill and an incremental
// sync, every mart is the same row for row, for far fewer requests. And a pull request whose
// counts lie (a sandbox fault) loses no comment, and its tasks come back with a full re-read.
import { describe, expect, it } from 'vitest';
import type { Services } from '../../services/services';
import type { WarehouseEngine } from '../../warehouse/engine';
import { backfill } from '../../workflows/backfill';
import { incrementalSync } from '../../workflows/incrementalSync';
import { martRows } from '../support/modelSnapshots';
import {
  acmeBackfill,
  CONNECTION,
  connect,
  type PipelineFixture,
  pipelineServices,
  rawKeys,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

/** Requests the sandbox answered while `body` ran. */
async function requestsOf(ctx: PipelineFixture, body: () => Promise<unknown>): Promise<number> {
  await control(ctx.sb, 'POST', '/stats/reset', {});
  await body();
  return (await control(ctx.sb, 'GET', '/stats')).json.requests as number;
}

interface Side {
  db: WarehouseEngine;
  services: Services;
  taskQueue: string;
}

async function backfillOf(ctx: PipelineFixture, side: Side, readEveryList: boolean) {
  const start = await acmeBackfill(ctx.sb, side.taskQueue, { readEveryList });
  await withWorker(workerOptions(side.services, side.taskQueue), (client) =>
    client.workflow.execute(backfill, start),
  );
}

async function syncOf(side: Side, readEveryList: boolean) {
  await withWorker(workerOptions(side.services, side.taskQueue), (client) =>
    client.workflow.execute(incrementalSync, {
      taskQueue: side.taskQueue,
      workflowId: `sync:${CONNECTION}:${side.taskQueue}`,
      args: [{ connectionId: CONNECTION, readEveryList }],
    }),
  );
}

describe.skipIf(!temporalAvailable())('request economy', () => {
  describeEachWarehouse(
    'savings that lose nothing',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 17, rateLimitPerHour: 1_000_000 });

      it('builds every mart exactly as reading every list does, for far fewer requests', async () => {
        const economical: Side = { db: ctx.db, services: ctx.services, taskQueue: uniqueTaskQueue('economy') };
        const otherWarehouse: WarehouseUnderTest = engine();
        const db = await otherWarehouse.open();
        try {
          const thorough: Side = {
            db,
            services: await pipelineServices(ctx.sb, db),
            taskQueue: uniqueTaskQueue('every-list'),
          };
          await connect(ctx.sb, thorough.services);

          const backfills = {
            economical: await requestsOf(ctx, () => backfillOf(ctx, economical, false)),
            thorough: await requestsOf(ctx, () => backfillOf(ctx, thorough, true)),
          };
          // A few days pass: new pull requests, comments on old ones, merges.
          await control(ctx.sb, 'POST', '/clock/advance', { days: 4 });
          const syncs = {
            economical: await requestsOf(ctx, () => syncOf(economical, false)),
            thorough: await requestsOf(ctx, () => syncOf(thorough, true)),
          };

          const marts = await martRows(economical.db);
          expect(Object.keys(marts).length).toBeGreaterThan(10);
          expect(marts.fct_pull_requests?.length).toBeGreaterThan(0);
          expect(await martRows(thorough.db)).toEqual(marts);
          expect(backfills.economical).toBeLessThan(backfills.thorough * 0.85);
          expect(syncs.economical).toBeLessThan(syncs.thorough);
        } finally {
          await otherWarehouse.cleanup(db);
          await db.close();
        }
      }, 300_000);
    },
    ['pglite', 'postgres'],
  );

  describeEachWarehouse(
    'counts that lie',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 23, rateLimitPerHour: 1_000_000 });

      it('loses no comment, and a full re-read brings the skipped tasks back', async () => {
        await control(ctx.sb, 'PUT', '/faults', { childCountsZeroRate: 1 });
        const side: Side = { db: ctx.db, services: ctx.services, taskQueue: uniqueTaskQueue('lying') };
        await backfillOf(ctx, side, false);
        const truth = await truthKeys(ctx.sb, 'acme');
        expect(truth.keys.pr_tasks?.length).toBeGreaterThan(0);
        let raw = await rawKeys(ctx.db, truth.uuid);
        // Comments: the activity shows them, whatever the count says.
        expect(raw.pr_comments).toEqual(truth.keys.pr_comments);
        // Tasks: every count said 0, so none was read ...
        expect(raw.pr_tasks).toEqual([]);
        // ... until a full re-read (`bbetl backfill --read-every-list`) catches them up.
        await backfillOf(ctx, { ...side, taskQueue: uniqueTaskQueue('catch-up') }, true);
        raw = await rawKeys(ctx.db, truth.uuid);
        expect(raw.pr_tasks).toEqual(truth.keys.pr_tasks);
        expect(raw.pr_comments).toEqual(truth.keys.pr_comments);
      }, 300_000);
    },
    ['pglite'],
  );
});
