// The embedded Temporal dev server stops in the middle of a backfill and starts again on the same
// SQLite file: the backfill continues where it was and lands every record. On a dev server of
// this file's own (worker/devServer.ts, as `bbetl start` runs it), since the test run's shared
// server must stay up for every other test file.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import { type DevServer, startDevServer } from '../../worker/devServer';
import { backfill } from '../../workflows/backfill';
import { CHAOS_SCALE, restartPlan } from '../support/chaos';
import { acmeBackfill, CONNECTION, rawKeys, truthKeys, usePipeline } from '../support/pipeline';
import { rawRecordCount } from '../support/rawRows';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { describeEachWarehouse } from '../support/warehouse';
import { killWorkerChild, startWorkerChild, workerChildEnv } from '../support/workerChild';

async function startedOn(address: string, body: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connection: await Connection.connect({ address }) });
  try {
    await body(client);
  } finally {
    await client.connection.close();
  }
}

describe.skipIf(!temporalAvailable())('the Temporal dev server restarted during a backfill', () => {
  describeEachWarehouse(
    'stop and start on the same SQLite file',
    (engine) => {
      const ctx = usePipeline(engine, {
        scale: CHAOS_SCALE,
        seed: 73,
        rateLimitPerHour: 1_000_000,
        faults: { latencyMs: 2 },
      });

      it('continues the backfill and lands every record', async () => {
        const truth = await truthKeys(ctx.sb, 'acme');
        const total = Object.values(truth.keys).flat().length;
        const { stopAt, downMs } = restartPlan('temporal restart', total);
        const taskQueue = uniqueTaskQueue('temporal-restart');
        const workflowId = `backfill:${CONNECTION}:acme:${taskQueue}`;
        const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-temporal-'));
        const log = createLogger({ level: 'silent', pretty: false });
        const startServer = () => startDevServer({ dataDir, namespace: 'default', uiPort: 0, log });

        let server: DevServer | undefined;
        let worker: ChildProcess | undefined;
        try {
          server = await startServer();
          const before = server.address;
          worker = await startWorkerChild(workerChildEnv(ctx, { address: before, taskQueue }));
          await startedOn(before, async (client) => {
            await client.workflow.start(backfill, await acmeBackfill(ctx.sb, taskQueue));
          });
          await waitFor(`${stopAt} records`, async () => (await rawRecordCount(ctx.db)) >= stopAt, 300_000);
          await server.stop();
          await new Promise((resolve) => setTimeout(resolve, downMs));
          server = await startServer();
          // The server prefers port 7233; when another process took it meanwhile, the server comes
          // back elsewhere and the worker follows it there (the running one rides through otherwise).
          if (server.address !== before) {
            await killWorkerChild(worker);
            worker = await startWorkerChild(workerChildEnv(ctx, { address: server.address, taskQueue }));
          }
          console.info(
            `[chaos] temporal restart: stopped at ${stopAt} of ${total} records, down ${downMs} ms, ${before} → ${server.address}`,
          );
          await startedOn(server.address, (client) => client.workflow.getHandle(workflowId).result());
        } finally {
          if (worker) await killWorkerChild(worker);
          await server?.stop();
          rmSync(dataDir, { recursive: true, force: true });
        }
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
      }, 600_000);
    },
    // The worker runs in a child process (workerProcess.ts), which opens the warehouse by URL.
    ['postgres'],
  );
});
