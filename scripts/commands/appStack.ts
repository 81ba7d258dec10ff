// The web app and (optionally) a worker in this process, on one set of services: what `bbetl web`,
// `bbetl start` and `bbetl demo` run. stop() ends both: the worker lets running activities finish
// or heartbeat, then the web app and the warehouse close.
import type { FastifyInstance } from 'fastify';
import { ProcessMetrics } from '../../services/metrics';
import { createServices, type Services } from '../../services/services';
import { createWebApp } from '../../web/app';
import type { TemporalStack } from '../../worker/stack';
import { createWorker } from '../../worker/worker';
import type { CommandContext } from './context';

export interface AppStack {
  app: FastifyInstance;
  services: Services;
  /** Resolves when the worker has stopped (at once without a worker); rejects if it crashed. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

export async function startAppStack(
  ctx: CommandContext,
  stack: TemporalStack,
  options: { worker: boolean },
): Promise<AppStack> {
  const { config } = ctx;
  const services = await createServices(config, ctx.log, { metrics: ctx.metrics });
  let app: FastifyInstance | undefined;
  try {
    app = await createWebApp({ config, services, workflows: stack });
    const host = ['localhost', '127.0.0.1'].includes(new URL(config.publicUrl).hostname)
      ? '127.0.0.1'
      : '0.0.0.0';
    await app.listen({ port: config.port, host });
    const worker = options.worker
      ? await createWorker({
          connection: await stack.nativeConnection(),
          namespace: stack.namespace,
          taskQueue: stack.taskQueue,
          deps: services,
          workflowBundlePath: config.temporal.workflowBundle,
          maxConcurrentActivities: config.worker.concurrency,
        })
      : undefined;
    const workerDone = worker ? worker.run() : Promise.resolve();
    const server = app;
    return {
      app: server,
      services,
      workerDone,
      async stop() {
        worker?.shutdown();
        await workerDone.catch((err) => ctx.log.error({ err }, 'the worker stopped with an error'));
        await server.close();
        await services.close();
      },
    };
  } catch (err) {
    await app?.close();
    await services.close();
    throw err;
  }
}

/**
 * The context of a command that serves the web app: with metrics when METRICS_TOKEN is set, so
 * its /metrics counts what the worker in this process does and carries the Temporal SDK's own.
 */
export function withWebMetrics(ctx: CommandContext): CommandContext {
  const { bearerToken } = ctx.config.metrics;
  return bearerToken ? { ...ctx, metrics: new ProcessMetrics({ bearerToken, log: ctx.log }) } : ctx;
}

/** Resolves at the first SIGINT or SIGTERM (a second one then ends the process the default way). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}
