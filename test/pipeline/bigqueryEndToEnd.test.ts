// BigQuery end to end, on the emulator: a tiny backfill through Temporal (one window), the models
// its own runTransforms builds, two dashboard pages served from that warehouse, and the dbt export
// built by dbt from the same raw tables. The raw keys
// are the sandbox's truth; the pages show what the test's own SQL reads from the marts.
//
// How a page batch's records and its checkpoint stay consistent on BigQuery, which has no
// transaction across a load job: PageBatch.flush (activities/pageBatch.ts) hands a stream's records
// and its checkpoint to one loadRecords call (warehouse/raw/load.ts). On BigQuery that awaits
// upsertBigQuery first (warehouse/raw/bigquery.ts: a load job into an expiring staging table, then
// one MERGE into raw_bitbucket.<stream>) and only then writePreparedState (warehouse/raw/state.ts:
// one MERGE into etl_meta.stream_state). Each MERGE is atomic, and db.query returns only once its
// job is done (getQueryResults polls until jobComplete), so the checkpoint never lands before its
// records. Child streams keep the order too: forEachParent and activityOneByOne
// (activities/extract/pages.ts, children.ts) await batch.flush() before writeCheckpoint. A crash
// between the two leaves the records in and the old checkpoint: the retry re-reads that one batch,
// and the MERGE keyed by (connection_id, record_key) leaves rows whose _payload_hash is unchanged as
// they were. Nothing is lost or doubled in raw. (crash.test.ts kills a worker mid-backfill on
// Postgres; this file checks that the BigQuery path lands the same truth.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STREAMS } from '../../bitbucket/streams/plan';
import { latestTransformRunId } from '../../warehouse/syncStatus';
import { listTransformRun } from '../../warehouse/transformLedger';
import { backfill } from '../../workflows/backfill';
import { buildWithDbtAndCompare, dbtAvailable } from '../support/dbtBuild';
import { acmeBackfill, rawKeys, truthKeys, usePipeline, workerOptions } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { addTestUser, type HttpSession, startWebApp, type WebUnderTest } from '../support/web';
import { kpiText, martRows, sameFigure, signIn, tableOf } from '../web/dashboardFixture';

describe.skipIf(!temporalAvailable())('BigQuery end to end', () => {
  describeEachWarehouse(
    'backfill, models and dashboard',
    (engine) => {
      // History up to now: the marts' as-of date is the day of the extraction (as dashboardFixture).
      const ctx = usePipeline(
        engine,
        {
          scale: 'tiny',
          seed: 5,
          epoch: new Date().toISOString(),
          rateLimitPerHour: 1_000_000,
        },
        // What a new connection reads (pipeline steps, off by default, are most of the requests).
        { streams: 'defaults' },
      );
      let web: WebUnderTest;
      let member: HttpSession;
      let backfillMs = 0;
      beforeAll(async () => {
        const taskQueue = uniqueTaskQueue('bq-e2e');
        // One window: the windows' order is backfillOrder.test.ts's.
        const start = await acmeBackfill(ctx.sb, taskQueue, { windowDays: 3650 });
        const t0 = Date.now();
        await withWorker(workerOptions(ctx.services, taskQueue), (client) =>
          client.workflow.execute(backfill, start),
        );
        backfillMs = Date.now() - t0;
        await addTestUser(ctx.db, 'max', 'member');
        web = await startWebApp(ctx.sb, ctx.db, { taskQueue });
        member = await signIn(web, 'max');
      }, 300_000);
      afterAll(async () => {
        await web?.close();
      });

      const page = async (path: string) => {
        const res = await member.request(path);
        expect(res.status, path).toBe(200);
        return res.text();
      };

      it('lands the sandbox truth, builds the marts and shows their figures', async () => {
        // Where the time went: the backfill's one transform run is in the ledger. Models build one
        // after another; a model's data tests run side by side after it, so the run's span less
        // the models' time is the tests'.
        const nodes = await ctx.db.query<{
          node: string;
          kind: string;
          status: string;
          start: number;
          ms: number;
        }>(
          `select node, kind, status, unix_millis(started_at) as start, ms
           from ${ctx.db.table('etl_meta', 'transform_runs')}`,
        );
        const span =
          Math.max(...nodes.map((n) => Number(n.start) + Number(n.ms))) -
          Math.min(...nodes.map((n) => Number(n.start)));
        const models = nodes.filter((n) => n.kind === 'model').reduce((sum, n) => sum + Number(n.ms), 0);
        const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        console.info(
          `[bigquery e2e] backfill ${s(backfillMs)}: transforms ${s(span)} (models ${s(models)}, data tests ${s(span - models)}), extraction and the rest ${s(backfillMs - span)}`,
        );
        // Every model built and described; no data test failed (a warn-severity one may find rows:
        // the sandbox sends some pipelines without a trigger, as Bitbucket does).
        const ok = (n: { kind: string; status: string }) =>
          n.kind === 'model' ? n.status === 'success' : ['pass', 'warn'].includes(n.status);
        expect(nodes.filter((n) => !ok(n)).map((n) => `${n.node}: ${n.status}`)).toEqual([]);
        expect(nodes.filter((n) => n.kind === 'model').length).toBeGreaterThan(20);

        const truth = await truthKeys(ctx.sb, 'acme');
        const stored = await rawKeys(ctx.db, truth.uuid);
        for (const stream of DEFAULT_STREAMS) expect(stored[stream], stream).toEqual(truth.keys[stream]);

        const [ws] = await martRows(
          ctx.db,
          'select workspace_uuid, cast(max(date_day) as string) as last_day from {fct_seat_utilization_daily} group by 1',
        );
        expect(ws?.workspace_uuid).toBe(truth.uuid);

        // Seat utilization: the tiles are the mart's row for the data's last day.
        const seatsHtml = await page('/dashboard');
        const [today] = await martRows(
          ctx.db,
          `select seats, active_seats_30d, idle_seats_30d, active_users_30d from {fct_seat_utilization_daily}
           where workspace_uuid = $1 and date_day = cast($2 as date)`,
          [truth.uuid, ws?.last_day],
        );
        expect(Number(today?.seats)).toBeGreaterThan(0);
        for (const [metric, value] of Object.entries(today ?? {}))
          expect(
            sameFigure(kpiText(seatsHtml, metric), value),
            `${metric}: ${kpiText(seatsHtml, metric)}`,
          ).toBe(true);

        // Reclaimable seats: the table and its tiles are fct_reclaimable_seats.
        const idleHtml = await page('/dashboard/reclaimable-seats');
        const [seats] = await martRows(
          ctx.db,
          `select count(*) as seats, max(idle_days) as longest from {fct_reclaimable_seats} where workspace_uuid = $1`,
          [truth.uuid],
        );
        expect(Number(seats?.seats)).toBeGreaterThan(0);
        expect(sameFigure(kpiText(idleHtml, 'reclaimable_seats'), seats?.seats)).toBe(true);
        expect(sameFigure(kpiText(idleHtml, 'longest_idle_days'), seats?.longest)).toBe(true);
        expect(tableOf(idleHtml, 'reclaimable-seats').rows).toHaveLength(Number(seats?.seats));
      }, 60_000);

      // The dbt export on BigQuery (dbtExport.test.ts checks it on Postgres), built by dbt from
      // the raw tables this backfill filled, against the models its transform run built.
      it.skipIf(!dbtAvailable)(
        'dbt builds the exported project from the same raw tables into the same rows',
        async () => {
          // The tests of the latest transform run (the backfill's), from the transform ledger.
          const runId = await latestTransformRunId(ctx.db);
          expect(runId).toBeDefined();
          const tests = (await listTransformRun(ctx.db, runId as string))
            .filter((n) => n.kind === 'test')
            .map((n) => ({ name: n.node, status: n.status }));
          await buildWithDbtAndCompare(ctx.db, ctx.wh.config, tests);
        },
        900_000,
      );
    },
    ['bigquery'],
  );
});
