// What a CLI command needs from Temporal: a client on TEMPORAL_ADDRESS or on the embedded dev
// server, and a worker for the duration of the command when no other worker serves the queue.
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../lib/log';
import { pidAlive } from '../lib/pidFile';
import type { Config } from '../temporal.config';
import { createServices } from './dependencies';
import { startDevServer } from './devServer';
import { createWorker } from './worker';

export interface TemporalStack {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  /** The web UI of the embedded dev server; undefined on a cluster given by TEMPORAL_ADDRESS. */
  uiUrl?: string;
  /** The worker's connection, opened on first use: most commands never run a worker. */
  nativeConnection(): Promise<NativeConnection>;
  close(): Promise<void>;
}

export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

export async function connectTemporal(config: Config, log: Logger): Promise<TemporalStack> {
  const { namespace, taskQueue } = config.temporal;
  const dev = config.temporal.address
    ? undefined
    : await startDevServer({
        dataDir: config.dataDir,
        namespace,
        uiPort: config.temporal.uiPort,
        cliPath: config.temporal.cliPath,
        log,
      });
  const address = config.temporal.address ?? (dev?.address as string);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '10 seconds' });
  } catch (err) {
    await dev?.stop();
    throw new TemporalUnreachableError(
      `cannot reach Temporal at ${address}${dev ? '' : ' (TEMPORAL_ADDRESS)'}: ${(err as Error).message}` +
        (dev ? '' : '; check the address, or unset TEMPORAL_ADDRESS to use the embedded dev server'),
    );
  }
  let native: Promise<NativeConnection> | undefined;
  return {
    client: new Client({ connection, namespace }),
    address,
    namespace,
    taskQueue,
    uiUrl: dev?.uiUrl,
    nativeConnection() {
      native ??= NativeConnection.connect({ address });
      return native;
    },
    async close() {
      await connection.close();
      if (native) await (await native).close();
      await dev?.stop();
    },
  };
}

// temporal.api.enums.v1.TaskQueueType: the SDK does not re-export the proto enums.
const WORKFLOW_TASK_QUEUE = 1;
const ACTIVITY_TASK_QUEUE = 2;
/** A long poll lasts about a minute; a poller not seen for longer has gone. */
const POLLER_SEEN_MS = 2 * 60_000;

interface Poller {
  identity?: string | null;
  lastAccessTime?: { seconds?: { toString(): string } | null } | null;
}

/**
 * The server lists a poller for minutes after its worker stopped. A worker of this machine (the
 * SDK's default identity is pid@host) counts while its process lives; any other while it polled
 * recently.
 */
function isLivePoller(poller: Poller): boolean {
  const local = /^(\d+)@(.+)$/.exec(poller.identity ?? '');
  if (local && local[2] === hostname()) return pidAlive(Number(local[1]));
  const seconds = Number(poller.lastAccessTime?.seconds?.toString() ?? 0);
  return Date.now() - seconds * 1000 < POLLER_SEEN_MS;
}

/** True when live workers poll the task queue for both workflow and activity tasks. */
export async function workersPolling(
  stack: Pick<TemporalStack, 'client' | 'namespace' | 'taskQueue'>,
): Promise<boolean> {
  for (const taskQueueType of [WORKFLOW_TASK_QUEUE, ACTIVITY_TASK_QUEUE]) {
    const { pollers } = await stack.client.workflowService.describeTaskQueue({
      namespace: stack.namespace,
      taskQueue: { name: stack.taskQueue },
      taskQueueType,
    });
    if (!pollers.some((p) => isLivePoller(p))) return false;
  }
  return true;
}

/** Runs `body`; when no worker serves the task queue, one runs in this process meanwhile. */
export async function withLocalWorkerIfNeeded<T>(
  stack: TemporalStack,
  config: Config,
  log: Logger,
  body: () => Promise<T>,
): Promise<T> {
  if (await workersPolling(stack)) return body();
  log.info({ taskQueue: stack.taskQueue }, 'no worker polls the task queue: running one in this process');
  const services = await createServices(config, log);
  try {
    const worker = await createWorker({
      connection: await stack.nativeConnection(),
      namespace: stack.namespace,
      taskQueue: stack.taskQueue,
      deps: services,
    });
    return await worker.runUntil(body);
  } finally {
    await services.close();
  }
}
