import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backfill } from '../../workflows/backfill';
import { CONNECTION, pipelineEnv, rawKeys, sandboxNow, truthKeys, usePipeline } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAddress, temporalAvailable, temporalClient, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

const workerScript = fileURLToPath(new URL('../support/workerProcess.ts', import.meta.url));

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn('node', ['--import', 'tsx', workerScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!temporalAvailable())('a worker killed mid-backfill', () => {
  describeEachWarehouse(
    'SIGKILL and resume',
    (engine) => {
      // Small scale, a little latency: lists span pages, and there is time to kill mid-stream.
      const ctx = usePipeline(engine, {
        scale: 'small',
        seed: 51,
        rateLimitPerHour: 1_000_000,
        faults: { latencyMs: 2 },
      });

      it('completes on a new worker, equals the truth, and re-reads almost nothing', async () => {
        const taskQueue = uniqueTaskQueue('crash');
        const env = {
          ...pipelineEnv(ctx.sb),
          DATABASE_URL: process.env.DATABASE_URL as string,
          TEST_SCHEMA_PREFIX: ctx.wh.config.engine === 'postgres' ? (ctx.wh.config.schemaPrefix ?? '') : '',
          TEMPORAL_ADDRESS: temporalAddress(),
          TEMPORAL_TASK_QUEUE: taskQueue,
        };
        await control(ctx.sb, 'POST', '/stats/reset', { trackRepeats: true });
        const first = await startWorker(env);
        const client = await temporalClient();
        const handle = await client.workflow.start(backfill, {
          taskQueue,
          workflowId: `backfill:${CONNECTION}:acme:${taskQueue}`,
          args: [
            {
              connectionId: CONNECTION,
              workspace: 'acme',
              since: '2025-01-01T00:00:00Z',
              until: await sandboxNow(ctx.sb, 1),
              windowDays: 400,
            },
          ],
        });
        // Kill it hard once a good part of the work is done.
        await waitFor(async () => (await control(ctx.sb, 'GET', '/stats')).json.requests > 1500, 120_000);
        first.kill('SIGKILL');
        const requestsAtKill = (await control(ctx.sb, 'GET', '/stats')).json.requests;
        const second = await startWorker(env);
        try {
          await handle.result();
        } finally {
          second.kill('SIGTERM');
          await client.connection.close();
        }
        const truth = await truthKeys(ctx.sb, 'acme');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        const stats = (await control(ctx.sb, 'GET', '/stats')).json;
        expect(stats.requests).toBeGreaterThan(requestsAtKill);
        // Resumed from heartbeated cursors: only pages in flight at the kill (and the short
        // re-listed lists) are read twice. Restarting streams from page one would repeat hundreds.
        expect(stats.repeatedRequests, JSON.stringify(stats.repeatedSample, null, 1)).toBeLessThan(40);
      }, 300_000);
    },
    ['postgres'],
  );
});
