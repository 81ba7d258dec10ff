// Two ways to read one sandbox, side by side: what the request economy tests share (requests the
// sandbox answered by route, a backfill or sync on one side, the pull requests stored).
import type { Client } from '@temporalio/client';
import type { Services } from '../../services/services';
import type { WarehouseEngine } from '../../warehouse/engine';
import { parentsOf, selectRaw } from '../../warehouse/rawQueries';
import { backfill } from '../../workflows/backfill';
import { incrementalSync } from '../../workflows/incrementalSync';
import { acmeBackfill, CONNECTION, type PipelineFixture, workerOptions } from './pipeline';
import { control } from './sandbox';
import { withWorker } from './temporal';

export interface Served {
  requests: number;
  byRoute: Record<string, number>;
}

/** Requests the sandbox answered while `body` ran, in all and by route. */
export async function requestsOf(ctx: PipelineFixture, body: () => Promise<unknown>): Promise<Served> {
  await control(ctx.sb, 'POST', '/stats/reset', {});
  await body();
  return (await control(ctx.sb, 'GET', '/stats')).json as Served;
}

const PR_LIST = '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id';
/** Requests to one kind of pull request list, and to any pull request list (repository-wide too). */
export const listRequests = (served: Served, list: string) => served.byRoute[`${PR_LIST}/${list}`] ?? 0;
export const childRequests = (served: Served) =>
  Object.entries(served.byRoute)
    .filter(([route]) => route.startsWith(`${PR_LIST}/`) || route.endsWith('/pullrequests/activity'))
    .reduce((sum, [, n]) => sum + n, 0);

/** The pull requests stored, with the counts they gave and whether their activity shows a comment. */
export async function storedPullRequests(db: WarehouseEngine) {
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

export interface Side {
  db: WarehouseEngine;
  services: Services;
  taskQueue: string;
  /** Set inside withSideWorkers: a worker polls the task queue, this client starts workflows. */
  client?: Client;
}

/**
 * Runs `body` while one worker polls each side's task queue: a test that runs many workflows on a
 * side starts its worker once (a worker per workflow cost about 0.3 s of CPU each).
 */
export async function withSideWorkers<T>(sides: readonly Side[], body: () => Promise<T>): Promise<T> {
  const [side, ...others] = sides;
  if (!side) return body();
  return withWorker(workerOptions(side.services, side.taskQueue), async (client) => {
    side.client = client;
    try {
      return await withSideWorkers(others, body);
    } finally {
      side.client = undefined;
    }
  });
}

/** Runs `run` with a client while a worker polls the side's task queue (its own, or one for this run). */
function onSide<T>(side: Side, run: (client: Client) => Promise<T>): Promise<T> {
  return side.client ? run(side.client) : withWorker(workerOptions(side.services, side.taskQueue), run);
}

export async function backfillOf(ctx: PipelineFixture, side: Side, readEveryList: boolean) {
  // One window: the windows' order and skipping are backfillOrder.test.ts's.
  const start = await acmeBackfill(ctx.sb, side.taskQueue, { readEveryList, windowDays: 3650 });
  await onSide(side, (client) => client.workflow.execute(backfill, start));
}

/** An incremental sync of one side; the marts are built only when `buildMarts` (they cost most of a sync). */
export async function syncOf(
  side: Side,
  readEveryList: boolean,
  n: number,
  options: { overlapMinutes?: number; buildMarts?: boolean } = {},
) {
  await onSide(side, (client) =>
    client.workflow.execute(incrementalSync, {
      taskQueue: side.taskQueue,
      workflowId: `sync:${CONNECTION}:${side.taskQueue}:${n}`,
      args: [
        {
          connectionId: CONNECTION,
          readEveryList,
          overlapMinutes: options.overlapMinutes,
          runTransforms: options.buildMarts ?? false,
        },
      ],
    }),
  );
}
