// `bbetl demo`: the sandbox, the embedded Temporal dev server, a worker, the web app and PGlite in
// one process; connects, waits for the syncs the connection started (backfills with a progress
// line, or incremental syncs when this data dir has synced before), prints a summary from the
// marts and the URLs, then serves until Ctrl-C (or stops, with --exit). Everything it started is
// stopped on the way out, the Temporal dev server included.
import type { WorkflowHandle } from '@temporalio/client';
import type { Counters } from '../../activities/contracts';
import { portOr } from '../../lib/net';
import { SCALE_SPECS } from '../../sandbox/data/scales';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { DEFAULT_CONNECTION } from '../../web/deps';
import type { TemporalStack } from '../../worker/stack';
import type { backfill } from '../../workflows/backfill';
import { startAppStack, untilSignal, withWebMetrics } from './appStack';
import { commandContext } from './context';
import type { DemoFlags } from './demo';
import { connectHeadless, connectThroughWebApp, DEMO_USER, demoAdmin } from './demo/connect';
import { demoSummary, formatSummary } from './demo/summary';
import { watchBackfill } from './progress';
import { withTemporal } from './temporal';
import { formatCounters } from './workflows';

/** Settings a user may give the demo; the rest (warehouse, Temporal, Bitbucket) it decides itself. */
const PASSED_THROUGH = [
  'BBETL_DATA_DIR',
  'BBETL_SECRET_KEY',
  'TEMPORAL_CLI_PATH',
  'TEMPORAL_UI_PORT',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_WORKFLOW_BUNDLE',
  // The demo's /metrics, to try the metrics out (README: Metrics).
  'METRICS_TOKEN',
];

async function demoEnv(
  sandbox: Sandbox,
  scale: DemoFlags['scale'],
): Promise<Record<string, string | undefined>> {
  const port = await portOr(Number(process.env.PORT ?? 3000));
  return {
    ...Object.fromEntries(PASSED_THROUGH.map((name) => [name, process.env[name]])),
    // The demo's own lines tell the story; logs only when something goes wrong (or --verbose).
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    WAREHOUSE: 'pglite',
    BITBUCKET_CLIENT_ID: sandbox.urls.clientId,
    BITBUCKET_CLIENT_SECRET: sandbox.urls.clientSecret,
    BITBUCKET_API_URL: sandbox.urls.apiUrl,
    BITBUCKET_OAUTH_URL: sandbox.urls.oauthUrl,
    // The sandbox lifts Bitbucket's ~1,000 requests an hour so the demo takes a minute, not hours.
    BITBUCKET_RATE_LIMIT_PER_HOUR: '1000000',
    INITIAL_BACKFILL_DAYS: String(SCALE_SPECS[scale].historyDays + 30),
    PUBLIC_URL: `http://localhost:${port}`,
    PORT: String(port),
  };
}

/** The syncs the connection started (visibility lags a moment behind a start, so it asks a few times). */
async function startedSyncs(stack: TemporalStack, since: Date): Promise<WorkflowHandle[]> {
  const query = `(WorkflowType = 'backfill' OR WorkflowType = 'incrementalSync') AND StartTime >= '${since.toISOString()}'`;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const ids: string[] = [];
    for await (const wf of stack.client.workflow.list({ query }))
      if (wf.taskQueue === stack.taskQueue && wf.workflowId.includes(`:${DEFAULT_CONNECTION}:`))
        ids.push(wf.workflowId);
    if (ids.length > 0) return ids.sort().map((id) => stack.client.workflow.getHandle(id));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the connection started no sync (see the log above)');
}

async function waitForSyncs(
  handles: WorkflowHandle[],
  signal: AbortSignal,
  ratePerHour: number,
): Promise<void> {
  for (const handle of handles) {
    const kind = handle.workflowId.startsWith('backfill:') ? 'backfill' : 'incremental sync';
    console.log(`${kind} ${handle.workflowId}`);
    const counters: Counters =
      kind === 'backfill'
        ? await watchBackfill(handle as WorkflowHandle<typeof backfill>, signal, ratePerHour)
        : await handle.result();
    console.log(`${kind} done: ${formatCounters(counters)}`);
  }
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  const began = Date.now();
  const sandbox = await startSandbox({
    scale: flags.scale,
    // History ends today, so the marts show recent weeks whenever the demo runs.
    epoch: `${new Date().toISOString().slice(0, 10)}T00:00:00Z`,
    rateLimitPerHour: 1_000_000,
  });
  try {
    const ctx = withWebMetrics(commandContext({ env: await demoEnv(sandbox, flags.scale) }));
    const { config } = ctx;
    console.log(`sandbox (${flags.scale} scale) at ${sandbox.urls.apiUrl}; data in ${config.dataDir}`);
    await withTemporal(ctx, async (stack) => {
      const running = await startAppStack(ctx, stack, { worker: true });
      const interrupted = new AbortController();
      untilSignal().then((signal) => {
        console.error(`${signal}: shutting down`);
        interrupted.abort();
      });
      try {
        const password = await demoAdmin(running.services);
        const connectedAt = new Date(Date.now() - 1000);
        if (flags.headless) await connectHeadless(config, running.services, stack);
        else await connectThroughWebApp(config, password);
        console.log(`connected (${flags.headless ? 'client credentials' : 'OAuth consent flow'})`);
        await waitForSyncs(
          await startedSyncs(stack, connectedAt),
          interrupted.signal,
          config.bitbucket.rateLimitPerHour,
        );
        const summary = await demoSummary(running.services.db);
        console.log(summary ? formatSummary(summary) : 'the marts are empty: the syncs loaded no data');
        console.log(`Dashboard:   ${config.publicUrl}/dashboard  (sign in as ${DEMO_USER} / ${password})`);
        if (stack.uiUrl) console.log(`Temporal UI: ${stack.uiUrl}`);
        console.log(`demo ready in ${Math.round((Date.now() - began) / 1000)} s`);
        if (!flags.exit) {
          console.log('serving until Ctrl-C');
          await new Promise((resolve) => interrupted.signal.addEventListener('abort', resolve));
        }
      } catch (err) {
        if (!interrupted.signal.aborted) throw err;
      } finally {
        await running.stop();
      }
    });
  } finally {
    await sandbox.close();
  }
}
