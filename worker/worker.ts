// The Temporal worker: registers every workflow and activity on the task queue.
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import { createActivities } from '../activities/index';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Bundled workflow code, to skip bundling again (tests start many workers). */
  workflowBundle?: { code: string };
  maxConcurrentActivities?: number;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 8,
    // On SIGTERM: running activities get this long to finish or heartbeat before the worker exits.
    shutdownGraceTime: '20 seconds',
  });
}
