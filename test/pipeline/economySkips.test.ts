// What the savings skip is caught up, never lost: a pull request whose counts lie (a sandbox
// fault) loses no comment, and its tasks come back with a full re-read; a repository-wide
// activity list answering 404 gives way to each pull request's own list.
import { describe, expect, it } from 'vitest';
import { backfillOf, listRequests, requestsOf, type Side } from '../support/economy';
import { rawKeys, truthKeys, usePipeline } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('request economy: lists skipped, and caught up', () => {
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
