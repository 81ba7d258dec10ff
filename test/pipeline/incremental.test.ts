import { describe, expect, it } from 'vitest';
import type { Counters } from '../../activities/contracts';
import { incrementalSync } from '../../workflows/incrementalSync';
import { CONNECTION, rawKeys, rawStates, truthKeys, usePipeline, workerOptions } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('incremental sync', () => {
  describeEachWarehouse(
    'scheduled incremental loads',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 41, rateLimitPerHour: 1_000_000 });

      async function commitCount(db: typeof ctx.db): Promise<number> {
        const [row] = await db.query<{ n: number }>(
          `select count(*) as n from ${db.table('raw_bitbucket', 'commits')} where _deleted_at is null`,
        );
        return Number(row?.n);
      }

      async function runSync(taskQueue: string, n: number): Promise<Counters> {
        return withWorker(workerOptions(ctx.services, taskQueue), (client) =>
          client.workflow.execute(incrementalSync, {
            taskQueue,
            workflowId: `sync:${CONNECTION}:${taskQueue}:${n}`,
            args: [{ connectionId: CONNECTION, runTransforms: false }],
          }),
        );
      }

      it('lands exactly the changes after the clock moves, re-reads little, and tombstones deletes', async () => {
        const taskQueue = uniqueTaskQueue('incremental');
        const first = await runSync(taskQueue, 1);
        let truth = await truthKeys(ctx.sb, 'acme');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);

        // Four months pass: new work, updated PRs, finished runs, a member or repository gone.
        await control(ctx.sb, 'POST', '/clock/advance', { days: 120 });
        const second = await runSync(taskQueue, 2);
        truth = await truthKeys(ctx.sb, 'acme');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        // Runs and deployments that moved on (halted ones triggered, running ones finished) are
        // stored as they are now, whichever way they were read.
        const { states } = (await control(ctx.sb, 'GET', '/truth?workspace=acme')).json;
        expect(states.pipelines['IN_PROGRESS/HALTED']).toBeGreaterThan(0);
        expect(await rawStates(ctx.db, truth.uuid)).toEqual(states);
        const tombstoned = await ctx.db.query<{ n: number }>(
          `select count(*) as n from ${ctx.db.table('raw_bitbucket', 'members')} where connection_id = $1 and _deleted_at is not null`,
          [CONNECTION],
        );
        const removedRepos = (await control(ctx.sb, 'GET', '/truth?workspace=acme')).json.removedRepositories;
        expect(Number(tombstoned[0]?.n) + removedRepos.length).toBeGreaterThan(0);
        expect(first.records).toBeGreaterThan(0);

        // Nothing happened since: a third run reads list heads only and rewrites no row.
        const third = await runSync(taskQueue, 3);
        expect(third.requests).toBeLessThan(second.requests / 2);
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        let rewritten = 0;
        for (const stream of ['pullrequests', 'pr_activity', 'commits', 'pipelines', 'members'] as const) {
          const rows = await ctx.db.query<{ n: number }>(
            `select count(*) as n from ${ctx.db.table('raw_bitbucket', stream)} where _run_id like $1`,
            [`sync:${CONNECTION}:${taskQueue}:3:%`],
          );
          rewritten += Number(rows[0]?.n);
        }
        expect(rewritten).toBe(0);

        // A branch of work made before the whole history, pushed now: its commits sort below
        // every commit stored, past a page of stored ones, and are still found.
        const push = { workspace: 'acme', repository: 'api', branch: 'old-work', commits: 120 };
        expect((await control(ctx.sb, 'POST', '/push', { ...push, hoursAgo: 24 * 400 })).status).toBe(200);
        const commitsBefore = await commitCount(ctx.db);
        await runSync(taskQueue, 4);
        truth = await truthKeys(ctx.sb, 'acme');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        expect(await commitCount(ctx.db)).toBe(commitsBefore + 120);

        // A stored tip Bitbucket no longer has (a force-push, then garbage collection): the list
        // answers 404 to its `exclude`, and the commits are read newest first instead.
        const commits = ctx.db.table('raw_bitbucket', 'commits');
        const gone = '0'.repeat(40);
        await ctx.db.query(
          `insert into ${commits} select connection_id, workspace_uuid, record_key || ':gone', parent_key,
             updated_on + interval '1 day', jsonb_set(jsonb_set(payload, '{hash}', to_jsonb($1::text)), '{parents}', '[]'::jsonb),
             _extracted_at, _run_id, _payload_hash, _deleted_at
           from ${commits} where payload->>'hash' = (select max(payload->>'hash') from ${commits})`,
          [gone],
        );
        await control(ctx.sb, 'POST', '/push', { ...push, branch: 'new-work', commits: 5, hoursAgo: 1 });
        await runSync(taskQueue, 5);
        const refused = await ctx.db.query<{ kind: string }>(
          `select kind from ${ctx.db.table('etl_meta', 'errors')} where stream = 'commits' and run_id like $1`,
          [`sync:${CONNECTION}:${taskQueue}:5:%`],
        );
        expect(refused.map((e) => e.kind)).toEqual(['NOT_FOUND']);
        await ctx.db.query(`delete from ${commits} where payload->>'hash' = $1`, [gone]);
        truth = await truthKeys(ctx.sb, 'acme');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        expect(await commitCount(ctx.db)).toBe(commitsBefore + 125);
      }, 240_000);
    },
    ['pglite', 'postgres'],
  );
});
