import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import type { WarehouseEngine } from '../../warehouse/engine';
import type { Services } from '../../worker/dependencies';
import { backfill } from '../../workflows/backfill';
import {
  CONNECTION,
  connect,
  pipelineServices,
  rawKeys,
  sandboxNow,
  truthKeys,
  workerOptions,
} from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('durable pipeline', () => {
  describeEachWarehouse(
    'backfill through Temporal',
    (engine) => {
      let sb: Sandbox;
      let wh: WarehouseUnderTest;
      let db: WarehouseEngine;
      let services: Services;
      beforeAll(async () => {
        sb = await startSandbox({ scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 });
        wh = engine();
        db = await wh.open();
        services = await pipelineServices(sb, db);
        await connect(sb, services);
      });
      afterAll(async () => {
        await sb?.close();
        await wh?.cleanup(db);
        await db?.close();
      });

      it('lands exactly the sandbox ground truth in the raw tables', async () => {
        const taskQueue = uniqueTaskQueue('backfill');
        const until = await sandboxNow(sb, 1);
        const result = await withWorker(workerOptions(services, taskQueue), (client) =>
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
        const truth = await truthKeys(sb, 'acme');
        const got = await rawKeys(db, truth.uuid);
        for (const stream of Object.keys(truth.keys)) expect(got[stream], stream).toEqual(truth.keys[stream]);
        expect(result.records).toBeGreaterThan(500);
        expect(result.requests).toBeGreaterThan(50);
      }, 240_000);
    },
    ['pglite', 'postgres'],
  );
});
