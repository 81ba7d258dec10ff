import type { Command } from 'commander';
import { DEFAULT_WORKER_CONCURRENCY } from '../../temporal.config';
import { integer, usageExit } from './options';

export interface WorkerFlags {
  writeBundle?: string;
  concurrency?: number;
  metricsPort?: number;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the Temporal worker (workflows and activities) until SIGTERM or Ctrl-C')
    .exitOverride(usageExit)
    .option(
      '--concurrency <n>',
      `activities this worker runs at once, 1-200 (default: WORKER_CONCURRENCY, else ${DEFAULT_WORKER_CONCURRENCY})`,
      integer(1, 200),
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics (this worker and the Temporal SDK) on GET /metrics of this port, 1-65535 (default: WORKER_METRICS_PORT, else off)',
      integer(1, 65_535),
    )
    .option(
      '--write-bundle <file>',
      'bundle the workflow code into <file> and exit; point TEMPORAL_WORKFLOW_BUNDLE at it so workers start without bundling',
    )
    .action(async (flags: WorkerFlags) => {
      if (flags.writeBundle) return (await import('./workerRun')).writeBundle(flags.writeBundle);
      return (await import('./workerRun')).runWorker(flags);
    });
}
