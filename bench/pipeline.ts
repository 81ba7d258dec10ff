// Extract + load through the real pipeline: a backfill workflow on a Temporal dev server, with a
// worker in this process, from the sandbox (zero latency) into PGlite or Postgres. Reports
// records, requests, requests per record against the minimum, wall time, records/s, the worker
// process's peak RSS (sandbox included) and Temporal history events per repository.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index';
import { createBitbucketOAuth } from '../bitbucket/auth/oauthClient';
import { createLogger } from '../lib/log';
import { startSandbox } from '../sandbox/index';
import { loadConfig, type WarehouseConfig } from '../temporal.config';
import { openWarehouse, SCHEMAS } from '../warehouse/engine';
import { createServices } from '../worker/dependencies';
import { devServerExecutable } from '../worker/temporalCli';
import { WORKFLOWS_PATH } from '../worker/worker';
import { backfill } from '../workflows/backfill';

export interface PipelineBenchResult {
  engine: string;
  scale: string;
  records: number;
  requests: number;
  requestsPerRecord: number;
  seconds: number;
  recordsPerSecond: number;
  /** Of this whole process: the sandbox, the worker, bundling and (for PGlite) the WASM database. */
  processPeakRssMb: number;
  historyEventsPerRepository: number;
}

function peakRssMb(): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function benchPipeline(
  scale: 'tiny' | 'small' | 'medium' | 'large',
  engine: 'pglite' | 'postgres',
): Promise<PipelineBenchResult> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed by an earlier run in this process.
  }
  const sb = await startSandbox({ scale, seed: 1, rateLimitPerHour: 100_000_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-bench-'));
  const warehouse: WarehouseConfig =
    engine === 'pglite'
      ? { engine, dir: join(dataDir, 'pglite') }
      : { engine, url: process.env.DATABASE_URL ?? '', schemaPrefix: `bench_${process.pid}_` };
  if (engine === 'postgres' && !process.env.DATABASE_URL)
    throw new Error('set DATABASE_URL for the Postgres run');
  const db = await openWarehouse(warehouse);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: devServerExecutable(), extraArgs: ['--log-level', 'error'] },
  });
  try {
    const config = loadConfig({
      BBETL_DATA_DIR: dataDir,
      BBETL_SECRET_KEY: randomBytes(32).toString('base64'),
      BITBUCKET_CLIENT_ID: sb.urls.clientId,
      BITBUCKET_CLIENT_SECRET: sb.urls.clientSecret,
      BITBUCKET_API_URL: sb.urls.apiUrl,
      BITBUCKET_OAUTH_URL: sb.urls.oauthUrl,
      BITBUCKET_RATE_LIMIT_PER_HOUR: '100000000',
    });
    const services = await createServices(config, createLogger({ level: 'error', pretty: false }), { db });
    // Extract + load alone: the transforms have their own benchmark (bench/transforms.ts).
    services.runTransforms = async () => {};
    const oauth = createBitbucketOAuth({
      clientId: sb.urls.clientId,
      clientSecret: sb.urls.clientSecret,
      oauthUrl: sb.urls.oauthUrl,
    });
    await services.vault.saveGrant('bench', await oauth.clientCredentials(), {
      workspaces: sb.urls.workspaces,
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'bench',
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities(services),
    });
    const until = new Date(sb.store.nowMs + 1).toISOString();
    const t0 = performance.now();
    let records = 0;
    let requests = 0;
    let events = 0;
    let repositories = 0;
    await worker.runUntil(async () => {
      for (const workspace of sb.urls.workspaces) {
        const handle = await env.client.workflow.start(backfill, {
          taskQueue: 'bench',
          workflowId: `bench-${workspace}`,
          args: [
            {
              connectionId: 'bench',
              workspace,
              since: '2020-01-01T00:00:00Z',
              until,
              windowDays: 3000,
              concurrency: 4,
            },
          ],
        });
        const counters = await handle.result();
        records += counters.records;
        requests += counters.requests;
      }
      for await (const wf of env.client.workflow.list({
        query: `TaskQueue = 'bench' AND WorkflowType = 'syncRepository'`,
      })) {
        repositories += 1;
        events += (await env.client.workflow.getHandle(wf.workflowId).fetchHistory()).events?.length ?? 0;
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine,
      scale,
      records,
      requests,
      requestsPerRecord: Number((requests / records).toFixed(4)),
      seconds: Number(seconds.toFixed(1)),
      recordsPerSecond: Math.round(records / seconds),
      processPeakRssMb: peakRssMb(),
      historyEventsPerRepository: Math.round(events / Math.max(1, repositories)),
    };
  } finally {
    await env.teardown();
    await sb.close();
    if (engine === 'postgres')
      for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
