import { describe, expect, it } from 'vitest';
import { BATCH_LIMITS } from '../../activities/pageBatch';
import { DEFAULT_WORKER_CONCURRENCY } from '../../temporal.config';
import { backfill } from '../../workflows/backfill';
import { acmeBackfill, rawKeys, truthKeys, usePipeline } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAddress, temporalAvailable, temporalClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { describeEachWarehouse } from '../support/warehouse';
import { startWorkerChild, workerChildEnv } from '../support/workerChild';

describe.skipIf(!temporalAvailable())('a worker killed mid-backfill', () => {
  describeEachWarehouse(
    'SIGKILL and resume',
    (engine) => {
      // Small scale, a little latency: lists span pages, and there is time to kill mid-stream.
      // The streams a new connection reads (about 2,100 requests): pipeline steps would triple
      // the requests without another way for a resumed activity to go wrong.
      const ctx = usePipeline(
        engine,
        { scale: 'small', seed: 51, rateLimitPerHour: 1_000_000, faults: { latencyMs: 2 } },
        { streams: 'defaults' },
      );

      it('completes on a new worker, equals the truth, and re-reads almost nothing', async () => {
        const taskQueue = uniqueTaskQueue('crash');
        const env = workerChildEnv(ctx, { address: temporalAddress(), taskQueue });
        await control(ctx.sb, 'POST', '/stats/reset', { trackRepeats: true });
        const first = await startWorkerChild(env);
        const client = await temporalClient();
        const handle = await client.workflow.start(
          backfill,
          await acmeBackfill(ctx.sb, taskQueue, { windowDays: 400 }),
        );
        // Kill it hard once about half the work is done.
        await waitFor(
          '1000 requests',
          async () => (await control(ctx.sb, 'GET', '/stats')).json.requests > 1000,
          120_000,
        );
        first.kill('SIGKILL');
        const requestsAtKill = (await control(ctx.sb, 'GET', '/stats')).json.requests;
        const second = await startWorkerChild(env);
        try {
          await handle.result();
        } finally {
          second.kill('SIGTERM');
          await client.connection.close();
        }
        const truth = await truthKeys(ctx.sb, 'acme', ctx.streams);
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        const stats = (await control(ctx.sb, 'GET', '/stats')).json;
        expect(stats.requests).toBeGreaterThan(requestsAtKill);
        // Resumed from checkpoints: only what each activity running at the kill read since its
        // last checkpoint (at most a batch of pages, the request in flight and a short re-listed
        // list) is read twice; how many were running, and how far each was, is the kill's timing
        // (it once measured 40). Restarting streams from page one would repeat hundreds.
        const inFlight = DEFAULT_WORKER_CONCURRENCY * (BATCH_LIMITS.pages + 2);
        expect(stats.repeatedRequests, JSON.stringify(stats.repeatedSample, null, 1)).toBeLessThanOrEqual(
          inFlight,
        );
      }, 300_000);
    },
    ['postgres'],
  );
});
