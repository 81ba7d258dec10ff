// The request savings lose nothing: one sandbox, two warehouses, one pipeline reading as bbetl does
// by default and one reading every list (`readEveryList`). After a backfill and an incremental
// sync, every mart is the same row for row, for far fewer requests; an empty parent costs no
// request for that list, an unchanged one none at all.
import { describe, expect, it } from 'vitest';
import { selectRaw } from '../../warehouse/rawQueries';
import {
  backfillOf,
  childRequests,
  listRequests,
  requestsOf,
  type Side,
  storedPullRequests,
  syncOf,
  withSideWorkers,
} from '../support/economy';
import { martRows } from '../support/modelSnapshots';
import { CONNECTION, connect, pipelineServices, sandboxNow, usePipeline } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

const ENVIRONMENTS = '/2.0/repositories/:workspace/:repo_slug/environments';

/** Each stored pull request's source head (of those written after `after`, when given). */
async function sourceHeads(db: Side['db'], after?: string): Promise<Map<string, string | null>> {
  const rows = await selectRaw(db, {
    stream: 'pullrequests',
    connectionId: CONNECTION,
    extractedAfter: after,
    columns: { head: ['source', 'commit', 'hash'] },
  });
  return new Map(rows.map((r) => [r.record_key as string, r.head ?? null]));
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
          // One worker per side for all its backfills and syncs.
          await withSideWorkers([economical, thorough], async () => {
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

            // A few days pass: new pull requests, comments on old ones, merges; then a day more,
            // in which the new pull requests are reviewed.
            await control(ctx.sb, 'POST', '/clock/advance', { days: 4 });
            const syncs = {
              economical: await requestsOf(ctx, () => syncOf(economical, false, 1)),
              thorough: await requestsOf(ctx, () => syncOf(thorough, true, 1)),
            };
            const heads = await sourceHeads(economical.db);
            const beforeSync = new Date().toISOString();
            await control(ctx.sb, 'POST', '/clock/advance', { days: 1 });
            const nextDay = {
              economical: await requestsOf(ctx, () => syncOf(economical, false, 2, { buildMarts: true })),
              thorough: await requestsOf(ctx, () => syncOf(thorough, true, 2, { buildMarts: true })),
            };
            // A changed pull request costs a commits request only when its source head moved (or
            // it is new); the environments list, only when a deployment names one not stored.
            const written = await sourceHeads(economical.db, beforeSync);
            const moved = [...written].filter(([key, head]) => heads.get(key) !== head);
            expect(moved.length).toBeLessThan(written.size);
            expect(listRequests(nextDay.economical, 'commits')).toBe(moved.length);
            expect(listRequests(nextDay.thorough, 'commits')).toBe(written.size);
            for (const sync of [syncs, nextDay]) {
              expect(sync.economical.byRoute[ENVIRONMENTS] ?? 0).toBe(0);
              expect(sync.thorough.byRoute[ENVIRONMENTS]).toBeGreaterThan(0);
            }

            const marts = await martRows(economical.db);
            expect(Object.keys(marts).length).toBeGreaterThan(10);
            expect(marts.fct_pull_requests?.length).toBeGreaterThan(0);
            expect(await martRows(thorough.db)).toEqual(marts);
            // (Pull request lists only: the streams turned on are the test environment's choice.)
            expect(childRequests(backfills.economical)).toBeLessThan(childRequests(backfills.thorough) * 0.6);
            expect(childRequests(syncs.economical)).toBeLessThan(childRequests(syncs.thorough));

            // Unchanged parents: a sync whose window reaches two weeks back (nothing happened
            // since the last) finds pull requests in it, but none written since their lists were read.
            const overlapDays = 14;
            const since = new Date(Date.parse(await sandboxNow(ctx.sb)) - overlapDays * 86_400_000);
            const inWindow = await selectRaw(economical.db, {
              stream: 'pullrequests',
              connectionId: CONNECTION,
              updatedFrom: since.toISOString(),
            });
            expect(inWindow.length).toBeGreaterThan(0);
            const again = await requestsOf(ctx, () =>
              syncOf(economical, false, 3, { overlapMinutes: overlapDays * 24 * 60, buildMarts: true }),
            );
            expect(childRequests(again)).toBe(0);
            expect(await martRows(economical.db)).toEqual(marts);
          });
        } finally {
          await otherWarehouse.cleanup(db);
          await db.close();
        }
      }, 300_000);
    },
    ['pglite', 'postgres'],
  );
});
