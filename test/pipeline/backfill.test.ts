import { describe, expect, it } from 'vitest';
import { readState } from '../../warehouse/raw/state';
import { backfill } from '../../workflows/backfill';
import { CONNECTION, rawKeys, sandboxNow, truthKeys, usePipeline, workerOptions } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('durable pipeline', () => {
  describeEachWarehouse(
    'backfill through Temporal',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 });

      it('lands exactly the sandbox ground truth in the raw tables', async () => {
        const taskQueue = uniqueTaskQueue('backfill');
        const until = await sandboxNow(ctx.sb, 1);
        const result = await withWorker(workerOptions(ctx.services, taskQueue), (client) =>
          client.workflow.execute(backfill, {
            taskQueue,
            workflowId: `backfill:${CONNECTION}:acme:${taskQueue}`,
            args: [
              {
                connectionId: CONNECTION,
                workspace: 'acme',
                since: '2025-01-01T00:00:00Z',
                until,
                windowDays: 120,
              },
            ],
          }),
        );
        const truth = await truthKeys(ctx.sb, 'acme');
        const got = await rawKeys(ctx.db, truth.uuid);
        for (const stream of Object.keys(truth.keys)) expect(got[stream], stream).toEqual(truth.keys[stream]);
        expect(result.records).toBeGreaterThan(500);
        expect(result.requests).toBeGreaterThan(50);
        // The first backfill sets the horizon: incremental syncs continue from its end.
        const state = await readState(ctx.db, CONNECTION, 'workspaces', 'sync:acme');
        expect(Date.parse(state.watermark as string)).toBe(Date.parse(until));
      }, 240_000);
    },
    ['pglite', 'postgres'],
  );
});
