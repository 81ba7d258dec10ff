// `bbetl worker`: polls the task queue until SIGTERM/SIGINT, then shuts down gracefully.
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { ProcessMetrics } from '../../services/metrics';
import { createServices } from '../../services/services';
import { serveMetrics } from '../../worker/metricsServer';
import { createWorker, writeWorkflowBundle } from '../../worker/worker';
import { commandContext } from './context';
import { withTemporal } from './temporal';
import type { WorkerFlags } from './worker';

export async function runWorker(flags: WorkerFlags): Promise<void> {
  const command = commandContext({ verboseSdk: true });
  const { workerPort, bearerToken } = command.config.metrics;
  const metricsPort = flags.metricsPort ?? workerPort;
  const metrics =
    metricsPort === undefined ? undefined : new ProcessMetrics({ bearerToken, log: command.log });
  const ctx = { ...command, metrics };
  const concurrency = flags.concurrency ?? ctx.config.worker.concurrency;
  // Before Temporal and the warehouse: a port in use stops the command before it starts anything.
  const metricsServer =
    metrics && metricsPort !== undefined ? await serveMetrics(metrics, metricsPort) : undefined;
  if (metricsServer) console.log(`worker metrics on port ${metricsServer.port} (GET /metrics)`);
  await withTemporal(ctx, async (stack) => {
    const services = await createServices(ctx.config, ctx.log, { metrics });
    try {
      const worker = await createWorker({
        connection: await stack.nativeConnection(),
        namespace: stack.namespace,
        taskQueue: stack.taskQueue,
        deps: services,
        workflowBundlePath: ctx.config.temporal.workflowBundle,
        maxConcurrentActivities: concurrency,
      });
      // Graceful: no new tasks; running activities get the grace time to finish or heartbeat.
      // A second signal finds no handler and ends the process at once.
      const shutdown = (signal: string) => {
        console.error(`${signal}: shutting down, letting running activities finish or heartbeat`);
        worker.shutdown();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      // The heap limit, so that an operator sees the cap scripts/bbetl.mjs sets (or theirs).
      const heapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
      console.log(
        `worker polling task queue ${stack.taskQueue} on ${stack.address} (namespace ${stack.namespace}, ${concurrency} activities at once, heap at most ${heapMb} MB)`,
      );
      await worker.run();
      console.log('worker stopped');
    } finally {
      await services.close();
    }
  }).finally(() => metricsServer?.close());
}

/** `bbetl worker --write-bundle <file>`: the workflow code, bundled once for every worker start. */
export async function writeBundle(file: string): Promise<void> {
  const target = resolve(file);
  await writeWorkflowBundle(target);
  console.log(`workflow code bundled into ${target}; set TEMPORAL_WORKFLOW_BUNDLE=${target}`);
}
