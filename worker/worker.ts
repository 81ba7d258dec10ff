// The Temporal worker: registers every workflow and activity on the task queue.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import { createActivities } from '../activities/index';
import { DEFAULT_WORKER_CONCURRENCY } from '../temporal.config';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Workflow code bundled ahead (writeWorkflowBundle); unset: bundled now, seconds of CPU. */
  workflowBundlePath?: string;
  /** WORKER_CONCURRENCY or `bbetl worker --concurrency`; default DEFAULT_WORKER_CONCURRENCY. */
  maxConcurrentActivities?: number;
}

/**
 * Bundles the workflow code into `file`, as Temporal advises for production workers. Interceptor
 * modules are for tests (test/support/shortHeartbeats.ts).
 */
export async function writeWorkflowBundle(
  file: string,
  workflowInterceptorModules: string[] = [],
): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules });
  writeFileSync(file, code);
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? DEFAULT_WORKER_CONCURRENCY,
    // On SIGTERM: running activities get this long to finish or heartbeat before the worker exits.
    shutdownGraceTime: '20 seconds',
  });
}
