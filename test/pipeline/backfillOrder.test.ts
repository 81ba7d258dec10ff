// A backfill reads its newest window first, skips the history before the oldest repository (and
// each repository's history before it was created), and estimates the requests it has left; a
// backfill started oldest first by earlier code still replays.
import { readFileSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { backfillEta, etaText } from '../../client/backfillEta';
import { progressLine } from '../../scripts/commands/progress';
import { type BackfillProgress, backfill, backfillWindows } from '../../workflows/backfill';
import { CONNECTION, rawKeys, sandboxNow, truthKeys, usePipeline, workerOptions } from '../support/pipeline';
import { clientCredentialsToken, fetchAll } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker, workflowBundle } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

/** The streams whose reads the window order and the skipping decide. */
const WINDOWED = [
  'repositories',
  'pullrequests',
  'pr_activity',
  'pr_comments',
  'pr_commits',
  'pr_tasks',
  'commits',
  'pipelines',
  'deployments',
];

async function progressOf(handle: WorkflowHandle<typeof backfill>): Promise<BackfillProgress> {
  return handle.query<BackfillProgress>('progress');
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The window `since` of each child workflow, in the order the backfill started them. */
async function childWindows(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((id): id is string => Boolean(id))
    .map((id) => id.slice(-'2026-01-01T00:00:00.000Z'.length));
}

/** The day the workspace's oldest repository was created, as the sandbox's API says. */
async function oldestRepositoryDay(sb: Parameters<typeof clientCredentialsToken>[0]): Promise<string> {
  const repos = await fetchAll(sb, await clientCredentialsToken(sb), '/repositories/acme?pagelen=100');
  const oldest = Math.min(...repos.map((r) => Date.parse(r.created_on)));
  return `${new Date(oldest).toISOString().slice(0, 10)}T00:00:00Z`;
}

describe.skipIf(!temporalAvailable())('backfill order, skipped history and ETA', () => {
  describeEachWarehouse(
    'newest window first',
    (engine) => {
      // Seed 31: repositories created 2026-04-10, 2026-06-17 and 2026-07-07.
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 });

      it('reads the newest window first, skips the windows before the oldest repository, and estimates what is left', async () => {
        const taskQueue = uniqueTaskQueue('newest-first');
        const workflowId = `backfill:${CONNECTION}:acme:${taskQueue}`;
        const input = {
          connectionId: CONNECTION,
          workspace: 'acme',
          since: '2025-01-01T00:00:00Z',
          until: await sandboxNow(ctx.sb, 1),
          windowDays: 120,
          concurrency: 1,
        };
        const windows = backfillWindows(input.since, input.until, 120);
        const { result, inFirst, inLater, children, history } = await withWorker(
          workerOptions(ctx.services, taskQueue),
          async (client) => {
            const handle = await client.workflow.start(backfill, { taskQueue, workflowId, args: [input] });
            await handle.signal('pause');
            // Paused before its first repository: the plan is known, but nothing to estimate from.
            const planned = await until(async () => {
              const p = await progressOf(handle);
              return p.repositoriesPerWindow ? p : undefined;
            }, 'the repository plan');
            expect(planned.repositoriesDone).toBe(0);
            expect(planned.estimate).toBeUndefined();
            expect(progressLine(planned, 1000)).toContain('ETA: no estimate yet');
            /** Resumes, and pauses again once `reached` holds; where it then stands. */
            const pauseWhen = async (reached: (p: BackfillProgress) => boolean, what: string) => {
              await handle.signal('resume');
              await until(async () => (reached(await progressOf(handle)) ? true : undefined), what);
              await handle.signal('pause');
              return progressOf(handle);
            };
            const inFirst = await pauseWhen((p) => p.repositoriesDone > 0, 'a repository');
            const inLater = await pauseWhen(
              (p) => p.windowsDone > 0 && (p.currentWindow?.repositoriesDone ?? 0) > 0,
              'a repository of the second window',
            );
            await handle.signal('resume');
            const result = await handle.result();
            return {
              result,
              inFirst,
              inLater,
              children: await childWindows(client, workflowId),
              history: await handle.fetchHistory(),
            };
          },
        );

        // Newest first: 2026-08-24.., then 2026-04-26.., then 2025-12-27.. (only the repository
        // created 2026-04-10 is in it); the three windows of 2025 end before any repository.
        const newest = [...windows].reverse();
        expect([...new Set(children)]).toEqual(newest.slice(0, 3).map((w) => w.since));
        expect(children).toHaveLength(3 + 3 + 1);
        // The marts are built after the newest window, before the older ones are read.
        const events = history.events ?? [];
        const built = events.findIndex(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTransforms',
        );
        const older = events.findIndex((e) =>
          e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId?.endsWith(
            newest[1]?.since ?? '?',
          ),
        );
        expect(built).toBeGreaterThan(-1);
        expect(built).toBeLessThan(older);
        expect(inFirst.repositoriesPerWindow).toEqual([3, 3, 1, 0, 0, 0]);
        expect(inFirst.windowsSkipped).toBe(3);
        expect(progressLine(inFirst, 1000)).toContain('3 older windows skipped');

        // The estimates at the pauses, against what the rest really cost. In the first window, which
        // also reads full history, later windows cannot be estimated yet: its rest alone, said so.
        const restAfter = (p: BackfillProgress) => result.requests - p.counters.requests;
        console.info('requests left: estimated', inFirst.estimate, inLater.estimate);
        console.info('requests left: made', restAfter(inFirst), restAfter(inLater));
        expect(inFirst.estimate?.basis).toBe('first window only');
        expect(inFirst.estimate?.requestsLeft).toBeGreaterThan(0);
        expect(etaText(backfillEta(inFirst, 1000))).toMatch(
          /^ETA of the first window ~\d.* \(estimate: ~[\d,]+ requests left in it; later windows not measured yet at 1,000 requests\/h\)$/,
        );
        // Once a later window's repository was read, every window left is estimated.
        const estimate = inLater.estimate;
        if (!estimate) throw new Error('no estimate in the second window');
        expect(estimate.basis).toBe('measured');
        expect(estimate.requestsLeft).toBeGreaterThan(restAfter(inLater) / 3);
        expect(estimate.requestsLeft).toBeLessThan(restAfter(inLater) * 3 + 5);
        const eta = backfillEta(inLater, 1000);
        expect(eta?.seconds).toBe(Math.ceil((estimate.requestsLeft / 1000) * 3600));
        expect(progressLine(inLater, 1000)).toContain(etaText(eta));
        expect(etaText(eta)).toMatch(/^ETA ~\d.* \(estimate: ~[\d,]+ requests left at 1,000 requests\/h\)$/);

        // Nothing lost by skipping: every record of the sandbox is there.
        const truth = await truthKeys(ctx.sb, 'acme');
        const got = await rawKeys(ctx.db, truth.uuid);
        for (const stream of WINDOWED) expect(got[stream], stream).toEqual(truth.keys[stream]);
        // The run replays with today's code (patch markers and all).
        await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, workflowId);
      }, 240_000);
    },
    // (PGlite alone: the order and the skipping are the workflow's, and Postgres runs the same SQL.)
    ['pglite'],
  );

  describeEachWarehouse(
    'history before the oldest repository',
    (engine) => {
      const fromOldest = usePipeline(engine, { scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 });
      const from2000 = usePipeline(engine, { scale: 'tiny', seed: 31, rateLimitPerHour: 1_000_000 });

      it('costs no request: a backfill since 2000 makes about as many as one since the oldest repository', async () => {
        const run = (ctx: typeof from2000, since: string) => {
          const taskQueue = uniqueTaskQueue('skip-history');
          return withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
            const handle = await client.workflow.start(backfill, {
              taskQueue,
              workflowId: `backfill:${CONNECTION}:acme:${taskQueue}`,
              args: [
                { connectionId: CONNECTION, workspace: 'acme', since, until: await sandboxNow(ctx.sb, 1) },
              ],
            });
            const counters = await handle.result();
            return { counters, progress: await progressOf(handle) };
          });
        };
        const oldest = await run(fromOldest, await oldestRepositoryDay(fromOldest.sb));
        const all = await run(from2000, '2000-01-01T00:00:00Z');
        console.info(
          'requests since the oldest repository',
          oldest.counters.requests,
          'since 2000',
          all.counters.requests,
        );
        // 108 windows of 90 days, all but the last few before 2026-04-10: skipped, no request.
        expect(all.progress.windowsTotal).toBeGreaterThan(100);
        expect(all.progress.windowsSkipped).toBeGreaterThan(100);
        expect(all.progress.windowsDone + (all.progress.windowsSkipped ?? 0)).toBe(all.progress.windowsTotal);
        expect(all.counters.requests).toBeLessThan(oldest.counters.requests * 1.1 + 5);
        const truth = await truthKeys(from2000.sb, 'acme');
        const got = await rawKeys(from2000.db, truth.uuid);
        for (const stream of WINDOWED) expect(got[stream], stream).toEqual(truth.keys[stream]);
      }, 240_000);
    },
    ['pglite'],
  );

  it('replays a backfill that earlier code started oldest first', async () => {
    // Recorded with the code before the newest-first order: six windows of 120 days from
    // 2025-01-01, oldest first, three repositories each.
    const recorded = JSON.parse(
      readFileSync(new URL('../fixtures/histories/backfill-oldest-first.json', import.meta.url), 'utf8'),
    );
    const history = temporal.api.history.v1.History.fromObject(recorded);
    const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? '';
    // The child workflow ids start with the parent's: replay under the recorded id.
    expect(workflowId).toMatch(/^backfill:/);
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, workflowId);
  });
});
