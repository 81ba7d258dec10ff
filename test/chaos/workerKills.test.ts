// SIGKILL the worker at random moments of one backfill, a new worker each time: the raw tables and
// the marts end up equal to an undisturbed run of the same backfill. Extends
// test/pipeline/crash.test.ts (one kill, resumes from cursors) to many kills, one of them while
// the models build.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Rng } from '../../sandbox/data/random';
import type { SandboxOptions } from '../../sandbox/index';
import { backfill } from '../../workflows/backfill';
import { CHAOS_KILLS, CHAOS_SCALE, chaosRandom } from '../support/chaos';
import { martRows } from '../support/modelSnapshots';
import { acmeBackfill, truthKeys, usePipeline, workerOptions } from '../support/pipeline';
import { rawRecordCount, rawRows } from '../support/rawRows';
import {
  temporalAddress,
  temporalAvailable,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
} from '../support/temporal';
import { useTwinWarehouse } from '../support/twinWarehouse';
import { waitFor } from '../support/waitFor';
import { describeEachWarehouse } from '../support/warehouse';
import { killWorkerChild, startWorkerChild, workerChildEnv } from '../support/workerChild';

// A little latency: lists span pages and there is time to kill mid-stream.
const SANDBOX: SandboxOptions = {
  scale: CHAOS_SCALE,
  seed: 71,
  rateLimitPerHour: 1_000_000,
  faults: { latencyMs: 2 },
};

async function pendingActivities(handle: WorkflowHandle): Promise<string[]> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '');
}

/**
 * Where the kills land: all but the last once a random share (5–85 %) of the records has landed,
 * in order; the last a random moment into the models' build.
 */
function killPlan(rng: Rng, kills: number, records: number) {
  const atRecords = Array.from({ length: kills - 1 }, () => Math.round(records * (0.05 + 0.8 * rng.float())));
  return { records, atRecords: atRecords.sort((a, b) => a - b), intoTransformsMs: rng.int(0, 1500) };
}

describe.skipIf(!temporalAvailable())('a worker SIGKILLed at random moments of one backfill', () => {
  describeEachWarehouse(
    `${CHAOS_KILLS} kill${CHAOS_KILLS === 1 ? '' : 's'}`,
    (engine) => {
      const ctx = usePipeline(engine, SANDBOX);
      const undisturbed = useTwinWarehouse(ctx, engine);

      it('ends with the raw tables and marts of an undisturbed run', async () => {
        const rng = chaosRandom('worker kills');
        const truth = await truthKeys(ctx.sb, 'acme');
        const plan = killPlan(rng, CHAOS_KILLS, Object.values(truth.keys).flat().length);
        // The undisturbed twin runs meanwhile, on its own warehouse and task queue.
        const calmQueue = uniqueTaskQueue('calm');
        const calm = withWorker(workerOptions(undisturbed.services, calmQueue), async (client) =>
          client.workflow.execute(backfill, await acmeBackfill(undisturbed.sb, calmQueue)),
        );

        const taskQueue = uniqueTaskQueue('kills');
        const env = workerChildEnv(ctx, { address: temporalAddress(), taskQueue });
        const start = Date.now();
        let worker = await startWorkerChild(env);
        const client = await temporalClient();
        const killedAt: string[] = [];
        try {
          const handle = await client.workflow.start(backfill, await acmeBackfill(ctx.sb, taskQueue));
          for (const threshold of plan.atRecords) {
            await waitFor(
              `${threshold} records`,
              async () => (await rawRecordCount(ctx.db)) >= threshold,
              600_000,
            );
            await killWorkerChild(worker);
            killedAt.push(`${await rawRecordCount(ctx.db)} records`);
            worker = await startWorkerChild(env);
          }
          await waitFor(
            'the models to build',
            async () => (await pendingActivities(handle)).includes('runTransforms'),
            600_000,
          );
          await new Promise((resolve) => setTimeout(resolve, plan.intoTransformsMs));
          await killWorkerChild(worker);
          killedAt.push(`${plan.intoTransformsMs} ms into the models' build`);
          worker = await startWorkerChild(env);
          await handle.result();
          await calm;
        } finally {
          await calm.catch(() => {});
          await killWorkerChild(worker);
          await client.connection.close();
        }
        console.info(
          `[chaos] worker kills: ${plan.records} records; killed at ${killedAt.join(', ')}; ` +
            `done in ${(Date.now() - start) / 1000}s`,
        );

        expect(killedAt).toHaveLength(CHAOS_KILLS);
        expect(await rawRows(ctx.db)).toEqual(await rawRows(undisturbed.db));
        const marts = await martRows(ctx.db);
        expect(Object.values(marts).some((rows) => rows.length > 0)).toBe(true);
        expect(marts).toEqual(await martRows(undisturbed.db));
      }, 1_800_000);
    },
    ['postgres'],
  );
});
