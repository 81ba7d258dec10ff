// Transforms after syncs, on a real pipeline: the sync workflow's runTransforms activity builds the
// models; after the sandbox clock moves and an incremental sync, the incremental models touched
// only the changed rows and every model equals a full refresh, row for row.
import { describe, expect, it } from 'vitest';
import { runTransformProject } from '../../transforms/service';
import { incrementalSync } from '../../workflows/incrementalSync';
import { modelRows, storedModels } from '../support/modelSnapshots';
import { CONNECTION, usePipeline, workerOptions } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('transforms after syncs', () => {
  describeEachWarehouse(
    'incremental transforms equal a full refresh',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 43, rateLimitPerHour: 1_000_000 });

      const runSync = (taskQueue: string, n: number) =>
        withWorker(workerOptions(ctx.services, taskQueue), (client) =>
          client.workflow.execute(incrementalSync, {
            taskQueue,
            workflowId: `sync:${CONNECTION}:${taskQueue}:${n}`,
            args: [{ connectionId: CONNECTION }],
          }),
        );

      /** Postgres row versions of an incremental model, by key (a rewritten row gets a new xmin). */
      const rowVersions = async (layer: 'staging' | 'intermediate', model: string, key: string) =>
        new Map(
          (
            await ctx.db.query<{ k: string; v: string }>(
              `select ${key} as k, xmin::text as v from ${ctx.db.table(layer, model)}`,
            )
          ).map((r) => [r.k, r.v]),
        );
      const INCREMENTAL = [
        ['intermediate', 'int_source_events', 'event_key'],
        ['staging', 'stg_pullrequests', 'record_key'],
        ['staging', 'stg_commits', 'record_key'],
      ] as const;

      it('builds the marts after each sync; incremental models touch only changes and equal a full refresh', async () => {
        const taskQueue = uniqueTaskQueue('transforms');
        await runSync(taskQueue, 1);
        const usage = await ctx.db.query<{ n: number }>(
          `select count(*) as n from ${ctx.db.table('marts', 'fct_feature_usage_daily')}`,
        );
        expect(Number(usage[0]?.n)).toBeGreaterThan(0);
        const before =
          ctx.db.dialect === 'postgres'
            ? await Promise.all(INCREMENTAL.map(([layer, model, key]) => rowVersions(layer, model, key)))
            : undefined;

        await control(ctx.sb, 'POST', '/clock/advance', { days: 45 });
        await runSync(taskQueue, 2);

        for (const [i, [layer, model, key]] of before ? INCREMENTAL.entries() : []) {
          const after = await rowVersions(layer, model, key);
          const rewritten = [...after].filter(([k, v]) => before?.[i]?.get(k) !== v).length;
          expect(rewritten, model).toBeGreaterThan(0);
          expect(rewritten, model).toBeLessThan(after.size / 2);
        }

        const STORED = storedModels(ctx.db);
        const incremental = new Map<string, string[]>();
        for (const m of STORED) incremental.set(m.name, await modelRows(ctx.db, m.layer, m.name));
        const full = await runTransformProject(ctx.db, { trigger: 'test', fullRefresh: true });
        expect(full.ok).toBe(true);
        for (const m of STORED) {
          const rebuilt = await modelRows(ctx.db, m.layer, m.name);
          expect({ model: m.name, rows: incremental.get(m.name) }).toEqual({ model: m.name, rows: rebuilt });
        }
      }, 300_000);
    },
    // A BigQuery-emulator pipeline takes minutes; the SQL tests run every model there.
    ['pglite', 'postgres'],
  );
});
