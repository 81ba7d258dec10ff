import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import type { WarehouseEngine } from '../../warehouse/engine';
import type { Services } from '../../worker/dependencies';
import { backfill } from '../../workflows/backfill';
import {
  CONNECTION,
  connect,
  pipelineEnv,
  pipelineServices,
  rawKeys,
  sandboxNow,
  truthKeys,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAddress, temporalAvailable, temporalClient, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

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
      let sb: Sandbox;
      let wh: WarehouseUnderTest;
      let db: WarehouseEngine;
      let services: Services;
      beforeAll(async () => {
        // Small scale, a little latency: lists span pages, and there is time to kill mid-stream.
        sb = await startSandbox({
          scale: 'small',
          seed: 51,
          rateLimitPerHour: 1_000_000,
          faults: { latencyMs: 2 },
        });
        wh = engine();
        db = await wh.open();
        services = await pipelineServices(sb, db);
        await connect(sb, services);
      });
      afterAll(async () => {
        await sb?.close();
        await wh?.cleanup(db);
        await db?.close();
      });

      it('completes on a new worker, equals the truth, and re-reads almost nothing', async () => {
        const taskQueue = uniqueTaskQueue('crash');
        const env = {
          ...pipelineEnv(sb),
          DATABASE_URL: process.env.DATABASE_URL as string,
          TEST_SCHEMA_PREFIX: wh.config.engine === 'postgres' ? (wh.config.schemaPrefix ?? '') : '',
          TEMPORAL_ADDRESS: temporalAddress(),
          TEMPORAL_TASK_QUEUE: taskQueue,
        };
        await control(sb, 'POST', '/stats/reset', { trackRepeats: true });
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
              until: await sandboxNow(sb, 1),
              windowDays: 400,
            },
          ],
        });
        // Kill it hard once a good part of the work is done.
        await waitFor(async () => (await control(sb, 'GET', '/stats')).json.requests > 1500, 120_000);
        first.kill('SIGKILL');
        const requestsAtKill = (await control(sb, 'GET', '/stats')).json.requests;
        const second = await startWorker(env);
        try {
          await handle.result();
        } finally {
          second.kill('SIGTERM');
          await client.connection.close();
        }
        const truth = await truthKeys(sb, 'acme');
        expect(await rawKeys(db, truth.uuid)).toEqual(truth.keys);
        const stats = (await control(sb, 'GET', '/stats')).json;
        expect(stats.requests).toBeGreaterThan(requestsAtKill);
        // Resumed from heartbeated cursors: only pages in flight at the kill (and the short
        // re-listed lists) are read twice. Restarting streams from page one would repeat hundreds.
        expect(stats.repeatedRequests, JSON.stringify(stats.repeatedSample, null, 1)).toBeLessThan(40);
      }, 300_000);
    },
    ['postgres'],
  );
});
