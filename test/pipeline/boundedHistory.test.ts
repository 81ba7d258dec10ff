// A workspace of thousands of repositories must not outgrow Temporal's per-history limits: every
// kind of sync hands over to a new run (continue-as-new) once it has started a bounded number of
// repositories. On a sandbox of many tiny repositories, with a small bound, each run's history
// stays small, and what lands is all of it, exactly once.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { backfill } from '../../workflows/backfill';
import { REPOSITORIES_PER_RUN } from '../../workflows/fanOut';
import { incrementalSync } from '../../workflows/incrementalSync';
import { syncWorkspace } from '../../workflows/syncWorkspace';
import {
  acmeBackfill,
  CONNECTION,
  rawKeys,
  sandboxNow,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

const REPOSITORIES = 12; // the sandbox's `wide` scale
const PER_RUN = 5;

/** The event count of every run of a workflow, first to last, following its continue-as-new chain. */
async function runHistories(client: Client, workflowId: string, firstRunId: string): Promise<number[]> {
  const counts: number[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    counts.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return counts;
}

describe.skipIf(!temporalAvailable())('bounded workflow histories', () => {
  describeEachWarehouse(
    'many repositories',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'wide', seed: 5, rateLimitPerHour: 1_000_000 });

      it('backfill, incremental sync and workspace sync continue as new every few repositories and read everything once', async () => {
        const taskQueue = uniqueTaskQueue('wide');
        const largest: Record<string, number> = {};
        await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
          const run = async (
            label: string,
            started: { workflowId: string; firstExecutionRunId: string; result(): Promise<unknown> },
          ) => {
            await started.result();
            const runs = await runHistories(client, started.workflowId, started.firstExecutionRunId);
            // 12 repositories, 5 a run: three runs, the last with the rest.
            expect(runs.length, label).toBe(Math.ceil(REPOSITORIES / PER_RUN));
            largest[label] = Math.max(...runs);
            return runs;
          };

          const start = await acmeBackfill(ctx.sb, taskQueue, {
            windowDays: 3650,
            repositoriesPerRun: PER_RUN,
          });
          const backfillRuns = await run('backfill', await client.workflow.start(backfill, start));
          const truth = await truthKeys(ctx.sb, 'acme');
          expect(truth.keys.repositories).toHaveLength(REPOSITORIES);
          expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);

          // A run's history: a fixed part (ledger, workspace level, windows) and a few events for
          // each repository it starts, whatever the workspace's size.
          expect(Math.max(...backfillRuns)).toBeLessThanOrEqual(60 + 8 * PER_RUN);

          await control(ctx.sb, 'POST', '/clock/advance', { days: 2 });
          await run(
            'incrementalSync',
            await client.workflow.start(incrementalSync, {
              taskQueue,
              workflowId: `wide-sync:${taskQueue}`,
              args: [{ connectionId: CONNECTION, repositoriesPerRun: PER_RUN }],
            }),
          );
          const afterSync = await truthKeys(ctx.sb, 'acme');
          expect(await rawKeys(ctx.db, afterSync.uuid)).toEqual(afterSync.keys);

          const until = await sandboxNow(ctx.sb, 1);
          await run(
            'syncWorkspace',
            await client.workflow.start(syncWorkspace, {
              taskQueue,
              workflowId: `wide-workspace:${taskQueue}`,
              args: [
                {
                  connectionId: CONNECTION,
                  workspace: 'acme',
                  since: await sandboxNow(ctx.sb, -86_400_000),
                  until,
                  includeUnwindowed: true,
                  repositoriesPerRun: PER_RUN,
                  runTransforms: false,
                },
              ],
            }),
          );
          // One ledger row per workflow, counters summed across its runs.
          const ledger = await ctx.db.query<{ kind: string; status: string; n: unknown }>(
            `select kind, status, count(*) as n from ${ctx.db.table('etl_meta', 'runs')} group by kind, status order by kind`,
          );
          expect(ledger.map((r) => [r.kind, r.status, Number(r.n)])).toEqual([
            ['backfill', 'completed', 1],
            ['incremental', 'completed', 1],
            ['sync', 'completed', 1],
          ]);
          // An upper bound (the run's own events counted as the repositories'), extrapolated.
          const perRepository = Math.max(...Object.values(largest)) / PER_RUN;
          console.log(
            `[bounded history] largest run's history (events): ${JSON.stringify(largest)}; at most ${perRepository} events per repository started, so a 5,000-repository workspace at the default ${REPOSITORIES_PER_RUN} a run: ${5000 / REPOSITORIES_PER_RUN} runs of at most ${Math.round(REPOSITORIES_PER_RUN * perRepository)} events each (Temporal's limit: 51,200)`,
          );
        });
      }, 240_000);
    },
    ['pglite'],
  );
});
