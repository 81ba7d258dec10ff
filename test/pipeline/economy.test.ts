// The request savings lose nothing: one sandbox, two warehouses, one pipeline reading as bbetl does
// by default and one reading every list (`readEveryList`). After a backfill and an incremental
// sync, every mart is the same row for row, for far fewer requests. And a pull request whose
// counts lie (a sandbox fault) loses no comment, and its tasks come back with a full re-read.
import { describe, expect, it } from 'vitest';
import type { Services } from '../../services/services';
import type { WarehouseEngine } from '../../warehouse/engine';
import { parentsOf, selectRaw } from '../../warehouse/rawQueries';
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

interface Served {
  requests: number;
  byRoute: Record<string, number>;
}

/** Requests the sandbox answered while `body` ran, in all and by route. */
async function requestsOf(ctx: PipelineFixture, body: () => Promise<unknown>): Promise<Served> {
  await control(ctx.sb, 'POST', '/stats/reset', {});
  await body();
  return (await control(ctx.sb, 'GET', '/stats')).json as Served;
}

const PR_LIST = '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id';
/** Requests to one kind of pull request list, and to any pull request list (repository-wide too). */
const listRequests = (served: Served, list: string) => served.byRoute[`${PR_LIST}/${list}`] ?? 0;
const childRequests = (served: Served) =>
  Object.entries(served.byRoute)
    .filter(([route]) => route.startsWith(`${PR_LIST}/`) || route.endsWith('/pullrequests/activity'))
    .reduce((sum, [, n]) => sum + n, 0);

/** The pull requests stored, with the counts they gave and whether their activity shows a comment. */
async function storedPullRequests(db: WarehouseEngine) {
  const prs = await selectRaw(db, {
    stream: 'pullrequests',
    connectionId: CONNECTION,
    columns: { comment_count: ['comment_count'], task_count: ['task_count'] },
  });
  const parentKeys = prs.map((pr) => pr.record_key as string);
  const commented = await parentsOf(db, {
    stream: 'pr_activity',
    connectionId: CONNECTION,
    parentKeys,
    has: ['comment'],
  });
  return prs.map((pr) => ({
    comments: Number(pr.comment_count),
    tasks: Number(pr.task_count),
    activityComment: commented.has(pr.record_key as string),
  }));
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

async function syncOf(side: Side, readEveryList: boolean, n: number, overlapMinutes?: number) {
  await withWorker(workerOptions(side.services, side.taskQueue), (client) =>
    client.workflow.execute(incrementalSync, {
      taskQueue: side.taskQueue,
      workflowId: `sync:${CONNECTION}:${side.taskQueue}:${n}`,
      args: [{ connectionId: CONNECTION, readEveryList, overlapMinutes }],
    }),
  );
}

describe.skipIf(!temporalAvailable())('request economy', () => {
  describeEachWarehouse(
    'savings that lose nothing',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 17, rateLimitPerHour: 1_000_000 });

      it('builds every mart exactly as reading every list does, for far fewer requests', async () => {
        const economical: Side = {
          db: ctx.db,
          services: ctx.services,
          taskQueue: uniqueTaskQueue('economy'),
        };
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
          // An empty parent: a pull request that counts no comments (and whose activity shows
          // none) or no tasks costs no request for that list; every other one costs one.
          const prs = await storedPullRequests(economical.db);
          expect(prs.some((pr) => pr.comments === 0) && prs.some((pr) => pr.tasks === 0)).toBe(true);
          const withComments = prs.filter((pr) => pr.comments > 0 || pr.activityComment).length;
          expect(listRequests(backfills.economical, 'comments')).toBe(withComments);
          expect(listRequests(backfills.economical, 'tasks')).toBe(prs.filter((pr) => pr.tasks > 0).length);
          expect(listRequests(backfills.economical, 'commits')).toBe(prs.length);
          expect(listRequests(backfills.thorough, 'comments')).toBe(prs.length);

          // A few days pass: new pull requests, comments on old ones, merges.
          await control(ctx.sb, 'POST', '/clock/advance', { days: 4 });
          const syncs = {
            economical: await requestsOf(ctx, () => syncOf(economical, false, 1)),
            thorough: await requestsOf(ctx, () => syncOf(thorough, true, 1)),
          };

          const marts = await martRows(economical.db);
          expect(Object.keys(marts).length).toBeGreaterThan(10);
          expect(marts.fct_pull_requests?.length).toBeGreaterThan(0);
          expect(await martRows(thorough.db)).toEqual(marts);
          // (Pull request lists only: the streams turned on are the test environment's choice.)
          expect(childRequests(backfills.economical)).toBeLessThan(childRequests(backfills.thorough) * 0.6);
          expect(childRequests(syncs.economical)).toBeLessThan(childRequests(syncs.thorough));

          // Unchanged parents: a sync whose window reaches two weeks back (nothing happened
          // since the last) finds pull requests in it, but none written since their lists were read.
          const overlap = 14 * 24 * 60;
          const again = {
            economical: await requestsOf(ctx, () => syncOf(economical, false, 2, overlap)),
            thorough: await requestsOf(ctx, () => syncOf(thorough, true, 2, overlap)),
          };
          expect(childRequests(again.thorough)).toBeGreaterThan(0);
          expect(childRequests(again.economical)).toBe(0);
          expect(await martRows(economical.db)).toEqual(marts);
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

  describeEachWarehouse(
    'the repository-wide activity list answering 404',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 29, rateLimitPerHour: 1_000_000 });

      it('reads each pull request’s own activity instead, and records the 404', async () => {
        await control(ctx.sb, 'PUT', '/faults', { notFoundPaths: ['/pullrequests/activity/?$'] });
        const side: Side = { db: ctx.db, services: ctx.services, taskQueue: uniqueTaskQueue('no-wide') };
        const served = await requestsOf(ctx, () => backfillOf(ctx, side, false));
        const truth = await truthKeys(ctx.sb, 'acme');
        expect((await rawKeys(ctx.db, truth.uuid)).pr_activity).toEqual(truth.keys.pr_activity);
        expect(listRequests(served, 'activity')).toBeGreaterThan(0);
        const errors = await ctx.db.query<{ stream: string; kind: string }>(
          `select stream, kind from ${ctx.db.table('etl_meta', 'errors')} where stream = 'pr_activity'`,
        );
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every((e) => e.kind === 'NOT_FOUND')).toBe(true);
      }, 300_000);
    },
    ['pglite'],
  );
});
