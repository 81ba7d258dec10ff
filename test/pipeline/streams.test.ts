// Streams on and off (issue 17): a new connection's backfill reads neither pipeline steps nor
// branches (no mart reads them), counted by the sandbox per route; a connection with pipeline
// steps turned on reads them; turned off again, what they stored stays. Runs recorded before
// streams could be turned off (every step read) replay with today's workflow code.
import { readFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { writeStreamSettings } from '../../warehouse/connectionStreams';
import { backfill } from '../../workflows/backfill';
import {
  acmeBackfill,
  CONNECTION,
  connect,
  rawKeys,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker, workflowBundle } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

const REPOSITORY = '/2.0/repositories/:workspace/:repo_slug';
const STEPS = `${REPOSITORY}/pipelines/:pipeline_uuid/steps`;
const BRANCHES = `${REPOSITORY}/refs/branches`;
const PIPELINES = `${REPOSITORY}/pipelines`;
const PROJECT_PERMISSIONS = '/2.0/workspaces/:workspace/projects/:project_key/permissions-config';
const WITH_STEPS = 'with-pipeline-steps';

describe.skipIf(!temporalAvailable())('streams on and off', () => {
  describeEachWarehouse(
    'a tiny backfill',
    (engine) => {
      const ctx = usePipeline(
        engine,
        { scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 },
        { streams: 'defaults' },
      );

      it('reads no pipeline steps and no branches by default; pipeline steps when turned on; keeps them when off', async () => {
        const taskQueue = uniqueTaskQueue('streams');
        const truth = await truthKeys(ctx.sb, 'acme');
        expect(truth.keys.pipeline_steps?.length).toBeGreaterThan(0);
        expect(truth.keys.branches?.length).toBeGreaterThan(0);
        await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
          let runs = 0;
          /** Backfills acme through a connection; answers the requests the sandbox served, by route. */
          const backfillRequests = async (connectionId: string): Promise<Record<string, number>> => {
            await control(ctx.sb, 'POST', '/stats/reset', {});
            const options = await acmeBackfill(ctx.sb, taskQueue, { connectionId, windowDays: 3650 });
            runs += 1;
            await client.workflow.execute(backfill, {
              ...options,
              workflowId: `${options.workflowId}:${runs}`,
            });
            return (await control(ctx.sb, 'GET', '/stats')).json.byRoute;
          };

          const defaults = await backfillRequests(CONNECTION);
          expect(defaults[PIPELINES]).toBeGreaterThan(0);
          expect(defaults[STEPS] ?? 0).toBe(0);
          expect(defaults[BRANCHES] ?? 0).toBe(0);
          const raw = await rawKeys(ctx.db, truth.uuid);
          expect(raw.pipeline_steps).toEqual([]);
          expect(raw.branches).toEqual([]);
          expect(raw.pipelines).toEqual(truth.keys.pipelines);

          // A connection with pipeline steps turned on reads them (and still no branches); of a step
          // with two streams (project permissions), it reads only the one still on.
          await connect(ctx.sb, ctx.services, ['acme'], WITH_STEPS);
          await writeStreamSettings(ctx.db, WITH_STEPS, [
            { stream: 'pipeline_steps', on: true },
            { stream: 'project_user_permissions', on: false },
          ]);
          const stepsOn = await backfillRequests(WITH_STEPS);
          expect(stepsOn[STEPS]).toBeGreaterThan(0);
          expect(stepsOn[BRANCHES] ?? 0).toBe(0);
          expect(defaults[`${PROJECT_PERMISSIONS}/users`]).toBeGreaterThan(0);
          expect(stepsOn[`${PROJECT_PERMISSIONS}/groups`]).toBeGreaterThan(0);
          expect(stepsOn[`${PROJECT_PERMISSIONS}/users`] ?? 0).toBe(0);
          const steps = async () => (await rawKeys(ctx.db, truth.uuid, WITH_STEPS)).pipeline_steps;
          expect(await steps()).toEqual(truth.keys.pipeline_steps);

          // Off again: not read, and what was stored stays (turning a stream off tombstones nothing).
          await writeStreamSettings(ctx.db, WITH_STEPS, [{ stream: 'pipeline_steps', on: false }]);
          const stepsOff = await backfillRequests(WITH_STEPS);
          expect(stepsOff[STEPS] ?? 0).toBe(0);
          expect(await steps()).toEqual(truth.keys.pipeline_steps);
        });
      }, 300_000);
    },
    ['pglite'],
  );
});

describe('runs started before streams could be turned off', () => {
  // Recorded with the workflow code of the commit before: a syncRepository child of a backfill's
  // first window (its branches and pipeline steps included), an incremental sync, a workspace sync.
  it.each(['backfill-repository', 'incremental-sync', 'sync-workspace'])('%s replays', async (name) => {
    const file = new URL(`../fixtures/histories/before-streams-${name}.json`, import.meta.url);
    const { workflowId, history } = JSON.parse(readFileSync(file, 'utf8'));
    const decoded = temporal.api.history.v1.History.fromObject(history);
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, decoded, workflowId);
  });
});
