import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { backfill } from '../../workflows/backfill';
import { incrementalSync } from '../../workflows/incrementalSync';
import {
  acmeBackfill,
  CONNECTION,
  rawKeys,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker, workflowBundle } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

describe.skipIf(!temporalAvailable())('pipeline resilience', () => {
  describeEachWarehouse(
    'faults, revoked grants and replay',
    (engine) => {
      describe('with every fault on', () => {
        const ctx = usePipeline(engine, {
          scale: 'tiny',
          seed: 61,
          rateLimitPerHour: 1_000_000,
          tokenLifetimeSeconds: 3,
          faults: {
            errorRate: 0.05,
            burst429Rate: 0.01,
            burst429Length: 3,
            resetRate: 0.02,
            truncateRate: 0.03,
          },
        });

        it('lands the same tables, and every workflow history replays deterministically', async () => {
          const taskQueue = uniqueTaskQueue('faults');
          const ids: string[] = [];
          await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
            const handle = await client.workflow.start(incrementalSync, {
              taskQueue,
              workflowId: `sync:${CONNECTION}:${taskQueue}`,
              args: [{ connectionId: CONNECTION }],
            });
            await handle.result();
            for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
              ids.push(wf.workflowId);
            const histories = await Promise.all(
              ids.map(async (id) => ({
                workflowId: id,
                history: await client.workflow.getHandle(id).fetchHistory(),
              })),
            );
            // Replaying the recorded histories with today's workflow code must not hit nondeterminism.
            for await (const result of Worker.runReplayHistories(
              { workflowBundle: workflowBundle() },
              histories,
            )) {
              expect(result.error, result.workflowId).toBeUndefined();
            }
          });
          expect(ids.length).toBeGreaterThan(3);
          const stats = (await control(ctx.sb, 'GET', '/stats')).json;
          expect(
            stats.faultsInjected.error + stats.faultsInjected.reset + stats.faultsInjected.truncate,
          ).toBeGreaterThan(3);
          const truth = await truthKeys(ctx.sb, 'acme');
          expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        }, 240_000);
      });

      describe('when the grant is revoked mid-backfill', () => {
        const ctx = usePipeline(engine, {
          scale: 'small',
          seed: 62,
          rateLimitPerHour: 1_000_000,
          faults: { latencyMs: 2 },
        });

        it('stops without a retry storm and marks the connection reconnect_required', async () => {
          const taskQueue = uniqueTaskQueue('revoke');
          const error = await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
            const handle = await client.workflow.start(backfill, await acmeBackfill(ctx.sb, taskQueue));
            for (let i = 0; i < 200 && (await control(ctx.sb, 'GET', '/stats')).json.requests < 300; i += 1) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            await control(ctx.sb, 'POST', '/grants/revoke', {});
            const atRevoke = (await control(ctx.sb, 'GET', '/stats')).json.requests;
            const failure = await handle.result().then(
              () => undefined,
              (err: unknown) => err,
            );
            const after = (await control(ctx.sb, 'GET', '/stats')).json.requests - atRevoke;
            return { failure, after };
          });
          expect(error.failure).toBeInstanceOf(WorkflowFailedError);
          expect(JSON.stringify(error.failure, Object.getOwnPropertyNames(error.failure))).toMatch(
            /AUTH|reconnect|invalid_grant/i,
          );
          // The repositories in flight each get a 401 or two; nothing keeps hammering the API.
          expect(error.after).toBeLessThan(60);
          const status = await ctx.services.vault.status(CONNECTION);
          expect(status.status).toBe('reconnect_required');
          expect(status.reason).toBeTruthy();
        }, 240_000);
      });
    },
    ['pglite'],
  );
});
