// What a CLI command needs from Temporal: a client on TEMPORAL_ADDRESS or on the embedded dev
// server, and a worker for the duration of the command when no other worker serves the queue.
//
// Client-only commands (schedules, signals, runs) load nothing more than the client: the worker
// SDK, the services, the workflow bundler and the embedded dev server load only when used.
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { workersPolling } from '../client/pollers';
import type { Logger } from '../lib/log';
import { type Config, temporalConnectionOptions } from '../temporal.config';

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

/**
 * `beforeNative` runs once, before the worker's connection opens (the SDK's runtime must be
 * installed before its first native object).
 */
export async function connectTemporal(
  config: Config,
  log: Logger,
  beforeNative: () => Promise<void> = async () => {},
): Promise<TemporalStack> {
  const { namespace, taskQueue } = config.temporal;
  const dev = config.temporal.address
    ? undefined
    : await (await import('./devServer')).startDevServer({
        dataDir: config.dataDir,
        namespace,
        uiPort: config.temporal.uiPort,
        cliPath: config.temporal.cliPath,
        log,
      });
  const address = config.temporal.address ?? (dev?.address as string);
  // TLS and API key of TEMPORAL_ADDRESS, alike for the client and the worker.
  const secure = temporalConnectionOptions(config.temporal);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, ...secure, connectTimeout: '10 seconds' });
  } catch (err) {
    await dev?.stop();
    throw new TemporalUnreachableError(
      `cannot reach Temporal at ${address}${dev ? '' : ' (TEMPORAL_ADDRESS)'}: ${(err as Error).message}` +
        (dev
          ? ''
          : `; check the address${secure.tls ? ' and the TLS settings (TEMPORAL_TLS*)' : ''}, or unset TEMPORAL_ADDRESS to use the embedded dev server`),
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
      native ??= beforeNative()
        .then(() => import('@temporalio/worker'))
        .then(({ NativeConnection }) => NativeConnection.connect({ address, ...secure }));
      return native;
    },
    async close() {
      await connection.close();
      if (native) await (await native).close();
      await dev?.stop();
    },
  };
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
  const [{ createServices }, { createWorker }] = await Promise.all([
    import('../services/services'),
    import('./worker'),
  ]);
  const services = await createServices(config, log);
  try {
    const worker = await createWorker({
      connection: await stack.nativeConnection(),
      namespace: stack.namespace,
      taskQueue: stack.taskQueue,
      deps: services,
      workflowBundlePath: config.temporal.workflowBundle,
      maxConcurrentActivities: config.worker.concurrency,
    });
    return await worker.runUntil(body);
  } finally {
    await services.close();
  }
}
