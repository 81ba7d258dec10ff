// Extract + load through the real pipeline: backfill (and incremental) workflows on a Temporal dev
// server, with a worker in this process, from the sandbox (a child process, zero latency) into
// PGlite or Postgres. The headline result: records, requests (as the sandbox served them),
// requests per record against the minimum possible, wall time, records/s, this process's peak
// RSS while syncing, and Temporal history events per repository.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Counters } from '../activities/contracts';
import { createActivities } from '../activities/index';
import { createBitbucketOAuth } from '../bitbucket/auth/oauthClient';
import type { RequestBudget } from '../bitbucket/requestBudget';
import { STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { DEFAULT_STREAMS } from '../bitbucket/streams/plan';
import { createLogger } from '../lib/log';
import { createServices } from '../services/services';
import { loadConfig, type WarehouseConfig } from '../temporal.config';
import { openWarehouse, SCHEMAS, type WarehouseEngine } from '../warehouse/engine';
import { rawTable } from '../warehouse/rawStreams';
import { devServerExecutable } from '../worker/temporalCli';
import { WORKFLOWS_PATH } from '../worker/worker';
import { backfill, progressQuery } from '../workflows/backfill';
import { incrementalSync } from '../workflows/incrementalSync';
import { peakRssMb, resetPeakRss } from './memory';
import { type ListSizes, minimumRequests } from './minimumRequests';
import { type SandboxProcess, startSandboxProcess } from './sandboxProcess';

export type Scale = 'tiny' | 'small' | 'medium' | 'large';
export type Engine = 'pglite' | 'postgres';

/** One workflow run, as the sandbox saw it (requests and 429s served) and as bbetl counted it. */
export interface RunMeasure {
  records: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  repositories: number;
  /** The run was cancelled once it had synced the repositories asked for. */
  stopped: boolean;
  /** Requests the sandbox answered, by its route pattern. */
  byRoute: Record<string, number>;
}

export interface Pipeline {
  db: WarehouseEngine;
  sandbox: SandboxProcess;
  /** Backfills every workspace up to the sandbox clock; optionally stops after N repositories. */
  backfill(stopAfterRepositories?: number, options?: ReadOptions): Promise<RunMeasure>;
  /** One incremental sync of the connection (from the watermark the backfill left). */
  incremental(options?: ReadOptions): Promise<RunMeasure>;
  historyEventsPerRepository(): Promise<number>;
  /** Live records per stream and parent, for the minimum request count. */
  listSizes(): Promise<ListSizes>;
  close(): Promise<void>;
}

/** How a run reads: `readEveryList` turns off every saving that skips a list. */
export interface ReadOptions {
  readEveryList?: boolean;
}

export interface PipelineOptions {
  engine: Engine;
  sandbox: SandboxProcess;
  /** Names the warehouse schemas (Postgres) so parallel benchmarks do not meet. */
  label: string;
  /** The request budget; default: the one the worker builds from the config (unlimited here). */
  budget?: (db: WarehouseEngine) => RequestBudget;
  /** More configuration (environment variables), e.g. BBETL_STREAMS. */
  env?: Record<string, string>;
}

const TASK_QUEUE = 'bench';
const CONNECTION = 'bench';
/** Its run ids (stamped on the raw rows it writes) start with this. */
export const INCREMENTAL_WORKFLOW_ID = 'bench-incremental';

function installRuntimeOnce(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed by an earlier benchmark in this process.
  }
}

interface RunOutcome {
  records: number;
  repositories: number;
  stopped: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a backfill; with `stopAfter`, cancels it once that many repositories are done. */
async function awaitBackfill(
  handle: WorkflowHandle<typeof backfill>,
  stopAfter: number | undefined,
): Promise<RunOutcome> {
  let done: Counters | undefined;
  let cancelling = false;
  const finished = handle.result().then(
    (counters) => {
      done = counters;
    },
    (err: unknown) => {
      if (!cancelling) throw err;
    },
  );
  for (;;) {
    await Promise.race([finished, sleep(1000)]);
    const progress = await handle.query(progressQuery);
    if (done) return { records: done.records, repositories: progress.repositoriesDone, stopped: false };
    if (stopAfter !== undefined && progress.repositoriesDone >= stopAfter) {
      cancelling = true;
      await handle.cancel();
      await finished;
      return { records: progress.counters.records, repositories: progress.repositoriesDone, stopped: true };
    }
  }
}

export async function openPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { engine, sandbox } = options;
  installRuntimeOnce();
  if (engine === 'postgres' && !process.env.DATABASE_URL)
    throw new Error('set DATABASE_URL for the Postgres run');
  const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-bench-'));
  const warehouse: WarehouseConfig =
    engine === 'pglite'
      ? { engine, dir: join(dataDir, 'pglite') }
      : {
          engine,
          url: process.env.DATABASE_URL as string,
          schemaPrefix: `bench_${options.label}_${process.pid}_`,
        };
  const db = await openWarehouse(warehouse);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: devServerExecutable(), extraArgs: ['--log-level', 'error'] },
  });
  const dropEverything = async () => {
    await env.teardown();
    if (engine === 'postgres')
      for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const { urls } = sandbox;
  let worker: Worker;
  try {
    const config = loadConfig({
      BBETL_DATA_DIR: dataDir,
      BBETL_SECRET_KEY: randomBytes(32).toString('base64'),
      BITBUCKET_CLIENT_ID: urls.clientId,
      BITBUCKET_CLIENT_SECRET: urls.clientSecret,
      BITBUCKET_API_URL: urls.apiUrl,
      BITBUCKET_OAUTH_URL: urls.oauthUrl,
      BITBUCKET_RATE_LIMIT_PER_HOUR: '100000000',
      ...options.env,
    });
    const services = await createServices(config, createLogger({ level: 'error', pretty: false }), {
      db,
      ...(options.budget ? { budget: options.budget(db) } : {}),
    });
    // Extract + load alone: the transforms have their own benchmark (bench/transforms.ts).
    services.runTransforms = async () => {};
    const oauth = createBitbucketOAuth({
      clientId: urls.clientId,
      clientSecret: urls.clientSecret,
      oauthUrl: urls.oauthUrl,
    });
    await services.vault.saveGrant(CONNECTION, await oauth.clientCredentials(), {
      workspaces: urls.workspaces,
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities(services),
    });
  } catch (err) {
    await dropEverything();
    throw err;
  }
  const running = worker.run();

  /** Runs `body` between a reset and a read of the sandbox's statistics. */
  async function measured(body: () => Promise<RunOutcome>): Promise<RunMeasure> {
    await sandbox.resetStats();
    const t0 = performance.now();
    const { records, repositories, stopped } = await body();
    const seconds = (performance.now() - t0) / 1000;
    const served = await sandbox.stats();
    return {
      records,
      requests: served.requests,
      rateLimited: served.rateLimited,
      seconds: Number(seconds.toFixed(1)),
      repositories,
      stopped,
      byRoute: served.byRoute,
    };
  }

  return {
    db,
    sandbox,
    backfill: async (stopAfterRepositories, read = {}) => {
      const until = new Date(Date.parse(await sandbox.now()) + 1).toISOString();
      return measured(async () => {
        const total: RunOutcome = { records: 0, repositories: 0, stopped: false };
        for (const workspace of urls.workspaces) {
          const left =
            stopAfterRepositories === undefined ? undefined : stopAfterRepositories - total.repositories;
          if (left !== undefined && left <= 0) return { ...total, stopped: true };
          const handle = await env.client.workflow.start(backfill, {
            taskQueue: TASK_QUEUE,
            workflowId: `bench-backfill-${workspace}`,
            args: [
              {
                connectionId: CONNECTION,
                workspace,
                since: '2020-01-01T00:00:00Z',
                until,
                windowDays: 3000,
                concurrency: 4,
                readEveryList: read.readEveryList,
              },
            ],
          });
          const one = await awaitBackfill(handle, left);
          total.records += one.records;
          total.repositories += one.repositories;
          if (one.stopped) return { ...total, stopped: true };
        }
        return total;
      });
    },
    incremental: (read = {}) =>
      measured(async () => {
        const counters = await env.client.workflow.execute(incrementalSync, {
          taskQueue: TASK_QUEUE,
          workflowId: INCREMENTAL_WORKFLOW_ID,
          args: [{ connectionId: CONNECTION, readEveryList: read.readEveryList }],
        });
        return { records: counters.records, repositories: 0, stopped: false };
      }),
    historyEventsPerRepository: async () => {
      let events = 0;
      let repositories = 0;
      for await (const wf of env.client.workflow.list({
        query: `TaskQueue = '${TASK_QUEUE}' AND WorkflowType = 'syncRepository'`,
      })) {
        repositories += 1;
        events += (await env.client.workflow.getHandle(wf.workflowId).fetchHistory()).events?.length ?? 0;
      }
      return Math.round(events / Math.max(1, repositories));
    },
    listSizes: async () => {
      const lists: ListSizes = new Map();
      for (const stream of Object.keys(STREAMS) as StreamName[]) {
        const rows = await db.query<{ parent_key: string | null; n: string | number }>(
          `select parent_key, count(*) as n from ${rawTable(db, stream)}
           where connection_id = $1 and _deleted_at is null group by parent_key`,
          [CONNECTION],
        );
        lists.set(stream, new Map(rows.map((r) => [r.parent_key, Number(r.n)])));
      }
      return lists;
    },
    close: async () => {
      worker.shutdown();
      await running;
      await dropEverything();
    },
  };
}

export interface PipelineBenchResult {
  engine: string;
  scale: string;
  repositories: number;
  /** Set when the backfill was cancelled after this many repositories (a memory measurement). */
  stoppedAfterRepositories?: number;
  records: number;
  /** API requests the sandbox served (every status). */
  requests: number;
  minimumRequests: number;
  requestsPerRecord: number;
  /** requests per record ÷ the minimum's requests per record (= requests ÷ minimum). */
  ratioToMinimum: number;
  seconds: number;
  recordsPerSecond: number;
  /** This process (the worker; the sandbox runs apart) while the backfill ran. */
  workerPeakRssMb: number;
  /** This process's peak before the backfill: Temporal runtime, warehouse, workflow bundling. */
  workerStartupPeakRssMb: number;
  sandboxPeakRssMb: number;
  historyEventsPerRepository: number;
}

/**
 * Runs the headline backfill on a fresh sandbox and warehouse and leaves the pipeline open, so
 * the caller can measure more on the same data (an incremental run, a peer) before closing it.
 */
export async function benchBackfill(
  scale: Scale,
  engine: Engine,
  stopAfterRepositories?: number,
): Promise<{ result: PipelineBenchResult; pipeline: Pipeline }> {
  const sandbox = await startSandboxProcess(scale);
  resetPeakRss();
  const pipeline = await openPipeline({ engine, sandbox, label: 'pipeline' }).catch((err) => {
    sandbox.close();
    throw err;
  });
  try {
    const workerStartupPeakRssMb = peakRssMb();
    resetPeakRss();
    const run = await pipeline.backfill(stopAfterRepositories);
    const workerPeakRssMb = peakRssMb();
    // The bench's connection reads the default streams.
    const minimum = minimumRequests(
      sandbox.urls.workspaces.length,
      await pipeline.listSizes(),
      DEFAULT_STREAMS,
    );
    return {
      pipeline,
      result: {
        engine,
        scale,
        repositories: run.repositories,
        ...(run.stopped ? { stoppedAfterRepositories: run.repositories } : {}),
        records: run.records,
        requests: run.requests,
        minimumRequests: minimum,
        requestsPerRecord: Number((run.requests / run.records).toFixed(4)),
        ratioToMinimum: Number((run.requests / minimum).toFixed(3)),
        seconds: run.seconds,
        recordsPerSecond: Math.round(run.records / run.seconds),
        workerPeakRssMb,
        workerStartupPeakRssMb,
        sandboxPeakRssMb: sandbox.peakRssMb(),
        historyEventsPerRepository: await pipeline.historyEventsPerRepository(),
      },
    };
  } catch (err) {
    await closePipeline(pipeline);
    throw err;
  }
}

/** Closes the pipeline and its sandbox. */
export async function closePipeline(pipeline: Pipeline): Promise<void> {
  try {
    await pipeline.close();
  } finally {
    pipeline.sandbox.close();
  }
}
