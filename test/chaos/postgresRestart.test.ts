// The warehouse's Postgres server stops (as in a crash) in the middle of a load and comes back
// a few seconds later: the backfill completes, nothing lost, nothing twice, and the process that
// runs the worker (this one) does not crash on the dropped connections. On a Postgres server of
// this file's own, since every other test file uses the provisioned one.
import { describe, expect, it } from 'vitest';
import { listRuns } from '../../warehouse/ledger';
import { backfill } from '../../workflows/backfill';
import { CHAOS_SCALE, restartPlan } from '../support/chaos';
import {
  acmeBackfill,
  CONNECTION,
  rawKeys,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { privatePostgresAvailable, usePrivatePostgres } from '../support/privatePostgres';
import { rawRecordCount } from '../support/rawRows';
import { needService } from '../support/services';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const available =
  temporalAvailable() &&
  needService(
    'Postgres binaries',
    privatePostgresAvailable,
    'apt-get install postgresql (scripts/provision.sh)',
  );

describe.skipIf(!available)('Postgres stopped and started during a load', () => {
  const pg = usePrivatePostgres();
  const ctx = usePipeline(() => pg.warehouse(), {
    scale: CHAOS_SCALE,
    seed: 72,
    rateLimitPerHour: 1_000_000,
    faults: { latencyMs: 2 },
  });

  it('completes with every record exactly once', async () => {
    const truth = await truthKeys(ctx.sb, 'acme');
    const total = Object.values(truth.keys).flat().length;
    const { stopAt, downMs } = restartPlan('postgres restart', total);
    const taskQueue = uniqueTaskQueue('pg-restart');
    await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
      const handle = await client.workflow.start(backfill, await acmeBackfill(ctx.sb, taskQueue));
      await waitFor(`${stopAt} records`, async () => (await rawRecordCount(ctx.db)) >= stopAt, 300_000);
      await pg.stop('immediate');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await pg.start();
      console.info(`[chaos] postgres restart: stopped at ${stopAt} of ${total} records, down ${downMs} ms`);
      await handle.result();
    });
    expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
    const [run] = await listRuns(ctx.db, { connectionId: CONNECTION, limit: 10 });
    expect(run).toMatchObject({ kind: 'backfill', status: 'completed' });
  }, 600_000);
});
