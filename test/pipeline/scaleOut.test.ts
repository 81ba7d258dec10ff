// Scale out: three worker processes (each its own Services: Postgres pool, token vault, request
// budget object on the shared Postgres bucket) poll one task queue and run ONE backfill together,
// against one warehouse and one rate-limited sandbox. The raw tables and every mart equal those of
// a one-worker run of the same backfill into a second warehouse; the consumer's budget held in
// every window (the sandbox answered no 429) while it bound; every worker ran activities; the
// models were built one run at a time. Tiny scale under `npm test`; SCALE_OUT_SCALE=small for more.
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { backfill } from '../../workflows/backfill';
import { martRows } from '../support/modelSnapshots';
import {
  acmeBackfill,
  rawKeys,
  sandboxNow,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { rawRows } from '../support/rawRows';
import { control } from '../support/sandbox';
import {
  temporalAddress,
  temporalAvailable,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
} from '../support/temporal';
import { useTwinWarehouse } from '../support/twinWarehouse';
import { describeEachWarehouse } from '../support/warehouse';
import { killWorkerChild, startWorkerChild, workerChildEnv } from '../support/workerChild';

/**
 * The consumer's limit: `limit` requests per rolling `windowSeconds` on the sandbox, and the same
 * (as requests per hour, paced over the same window) in every worker: low enough that the budget,
 * not the work, sets the pace of most of the extraction. The window is seconds, not Bitbucket's
 * hour, to keep the test quick; that also shrinks the gap between two paced requests (69 ms at
 * tiny) toward the jitter between a worker taking a token and the sandbox seeing its request (up to
 * ~40 ms measured on a loaded machine: a Postgres read of the access token, two event loops). The
 * budget keeps no margin for that jitter (at an hour's window it is a thousandth of a gap), so a
 * gap near it would let a window see limit + 1: 40 per 2 s (52 ms) once answered a 429 under load.
 */
const SCALE_RATES = {
  tiny: { limit: 30, windowSeconds: 2 },
  small: { limit: 60, windowSeconds: 2 },
} as const;
type ScaleOutScale = keyof typeof SCALE_RATES;
const SCALE = ((): ScaleOutScale => {
  const text = process.env.SCALE_OUT_SCALE || 'tiny';
  if (!(text in SCALE_RATES)) throw new Error(`SCALE_OUT_SCALE=${JSON.stringify(text)}: use tiny or small`);
  return text as ScaleOutScale;
})();
const WORKERS = 3;
const { limit: LIMIT, windowSeconds: WINDOW_S } = SCALE_RATES[SCALE];
const WINDOW_MS = WINDOW_S * 1000;
/** The worker budget's shape for that limit (bitbucket/requestBudget.ts: a 5% burst, the rest refilled). */
const BURST = Math.max(1, Math.floor(LIMIT * 0.05));
const FULL_RATE_PER_MS = (LIMIT - BURST) / WINDOW_MS;

type History = temporal.api.history.v1.IHistory;

/** The most of `times` (ms, any order) inside one window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + windowMs) j += 1;
    most = Math.max(most, j - i);
  }
  return most;
}

/** Histories of every execution on the task queue: the backfill and all its children, every run. */
async function historiesOn(client: Client, taskQueue: string): Promise<Map<string, History>> {
  for (let attempt = 0; ; attempt += 1) {
    const found: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      found.push({ workflowId: wf.workflowId, runId: wf.runId });
    const histories = new Map<string, History>();
    for (const { workflowId, runId } of found)
      histories.set(
        `${workflowId}/${runId}`,
        await client.workflow.getHandle(workflowId, runId).fetchHistory(),
      );
    // Visibility lags the histories a little: every child a listed history started must be listed.
    const listed = new Set(found.map((f) => f.workflowId));
    const started = [...histories.values()].flatMap((h) =>
      (h.events ?? []).flatMap(
        (e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution ?? [],
      ),
    );
    if (started.every((child) => listed.has(child.workflowId ?? '')) || attempt === 20) return histories;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** ActivityTaskStarted events per worker identity, and which identities ran `runTransforms`. */
function activitiesByWorker(histories: Iterable<History>) {
  const started = new Map<string, number>();
  const transformsBy: string[] = [];
  for (const history of histories) {
    const typeOf = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
      const attrs = event.activityTaskStartedEventAttributes;
      if (!attrs) continue;
      const identity = attrs.identity ?? '(none)';
      started.set(identity, (started.get(identity) ?? 0) + 1);
      if (typeOf.get(String(attrs.scheduledEventId)) === 'runTransforms') transformsBy.push(identity);
    }
  }
  return { started, transformsBy };
}

describe.skipIf(!temporalAvailable())(`${WORKERS} worker processes on one task queue`, () => {
  describeEachWarehouse(
    `one backfill of acme (${SCALE})`,
    (engine) => {
      // The limit is set once the one-worker run is done (below).
      const ctx = usePipeline(engine, { scale: SCALE, seed: 83, rateLimitPerHour: 1_000_000 });
      const single = useTwinWarehouse(ctx, engine);
      const children: ChildProcess[] = [];
      // Registered after the fixtures, so it runs before they drop the schemas: no worker outlives the test.
      afterAll(async () => {
        await Promise.all(children.map(killWorkerChild));
      });

      it('lands what one worker lands, within one shared budget, each worker doing part of it', async () => {
        const truth = await truthKeys(ctx.sb, 'acme');
        const until = await sandboxNow(ctx.sb, 1);
        const taskQueue = uniqueTaskQueue('scale-out');
        // When the sandbox counted each request against the consumer's limit.
        const counted: number[] = [];
        const { rateLimit } = ctx.sb;
        const take = rateLimit.take.bind(rateLimit);
        rateLimit.take = (consumer) => {
          const ok = take(consumer);
          if (ok) counted.push(Date.now());
          return ok;
        };
        const env = {
          ...workerChildEnv(ctx, { address: temporalAddress(), taskQueue }),
          TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
          BITBUCKET_RATE_LIMIT_PER_HOUR: String((LIMIT * 3_600_000) / WINDOW_MS),
          TEST_RATE_WINDOW_MS: String(WINDOW_MS),
        };
        // The workers start (seconds) while the one-worker run goes. Each child is kept as soon as
        // it is ready, so afterAll stops it whatever the others did.
        const ready = Promise.allSettled(
          Array.from({ length: WORKERS }, () => startWorkerChild(env).then((c) => children.push(c))),
        );

        // The same backfill on one worker (in this process) into the second warehouse, unpaced: the
        // sandbox's limit is lifted until it is done.
        const singleQueue = uniqueTaskQueue('scale-out-single');
        const singleStarted = Date.now();
        await withWorker(workerOptions(single.services, singleQueue), async (c) =>
          c.workflow.execute(backfill, await acmeBackfill(ctx.sb, singleQueue, { until })),
        );
        const singleMs = Date.now() - singleStarted;

        for (const r of await ready) if (r.status === 'rejected') throw r.reason;
        const identities = children.map((c) => `${c.pid}@${hostname()}`);
        await control(ctx.sb, 'PUT', '/limits', { rateLimitPerHour: LIMIT, rateWindowSeconds: WINDOW_S });
        // The one-worker run's requests leave the rolling window.
        const windowClears = (counted.at(-1) ?? 0) + WINDOW_MS + 1 - Date.now();
        if (windowClears > 0) await new Promise((resolve) => setTimeout(resolve, windowClears));
        counted.length = 0;
        await control(ctx.sb, 'POST', '/stats/reset', {});
        const client = await temporalClient();
        const started = Date.now();
        let histories: Map<string, History>;
        let tookMs: number;
        try {
          await client.workflow.execute(backfill, await acmeBackfill(ctx.sb, taskQueue, { until }));
          tookMs = Date.now() - started;
          histories = await historiesOn(client, taskQueue);
        } finally {
          rateLimit.take = take;
          await client.connection.close();
          await Promise.all(children.map(killWorkerChild));
        }
        const stats = (await control(ctx.sb, 'GET', '/stats')).json;

        const { started: byWorker, transformsBy } = activitiesByWorker(histories.values());
        const transformRuns = await ctx.db.query<{ id: string; started: Date; ended: Date }>(
          `select transform_run_id as id, min(started_at) as started,
                  max(started_at + ms * interval '1 millisecond') as ended
           from ${ctx.db.table('etl_meta', 'transform_runs')} group by transform_run_id order by 2`,
        );
        // Every request took a token from the shared bucket, which held a burst at the start.
        const forcedMs = (stats.requests - BURST) / FULL_RATE_PER_MS;
        const busiest = busiestWindow(counted, WINDOW_MS);
        console.info(
          `[scale-out] ${SCALE}: ${WORKERS} workers, ${stats.requests} requests (${counted.length} counted ` +
            `against ${LIMIT} per ${WINDOW_S} s, busiest window ${busiest}, ${stats.rateLimited} answered 429) ` +
            `in ${(tookMs / 1000).toFixed(1)} s (the budget forces >= ${(forcedMs / 1000).toFixed(1)} s; ` +
            `one unpaced worker: ${(singleMs / 1000).toFixed(1)} s); ${histories.size} executions; activities ` +
            `started per worker: ${identities.map((id, i) => `#${i + 1} ${byWorker.get(id) ?? 0}`).join(', ')}` +
            `${[...byWorker.keys()].some((id) => !identities.includes(id)) ? ` (others: ${JSON.stringify([...byWorker])})` : ''}; ` +
            `${transformRuns.length} transform runs (by worker ${transformsBy.map((id) => `#${identities.indexOf(id) + 1}`).join(', ')})`,
        );

        // One result: the sandbox's truth, and what one worker lands, raw and marts alike.
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(await rawKeys(single.db, truth.uuid));
        expect(await rawRows(ctx.db)).toEqual(await rawRows(single.db));
        const marts = await martRows(ctx.db);
        expect(Object.values(marts).some((rows) => rows.length > 0)).toBe(true);
        expect(marts).toEqual(await martRows(single.db));

        // One budget: no request was refused (the sandbox answers 429 to any that would put more
        // than the limit in its rolling window; the busiest window shows how close the workers came),
        // and the limit set the pace: the run took at least what the budget allows for its requests.
        expect(stats.rateLimited).toBe(0);
        expect(stats.byStatus['429'] ?? 0).toBe(0);
        expect(counted.length).toBeGreaterThan(LIMIT);
        expect(busiest).toBeLessThanOrEqual(LIMIT);
        expect(tookMs).toBeGreaterThanOrEqual(forcedMs);

        // Each worker did part of it, and nobody else did any.
        expect([...byWorker.keys()].sort()).toEqual([...identities].sort());
        for (const id of identities) expect(byWorker.get(id), id).toBeGreaterThan(0);

        // The models were built one run at a time.
        expect(transformRuns.length).toBeGreaterThan(0);
        for (let i = 1; i < transformRuns.length; i += 1) {
          const before = transformRuns[i - 1] as (typeof transformRuns)[number];
          const run = transformRuns[i] as (typeof transformRuns)[number];
          expect(run.started.getTime(), `${run.id} starts before ${before.id} ends`).toBeGreaterThanOrEqual(
            before.ended.getTime(),
          );
        }
      }, 600_000);
    },
    ['postgres'],
  );
});
