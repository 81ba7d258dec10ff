// `bbetl web`: the web app, with a worker in the same process unless --no-worker. PGlite allows
// one process, so with the embedded warehouse the app and the worker must share one.

import { createWebApp } from '../../web/app';
import { createServices } from '../../worker/dependencies';
import { createWorker } from '../../worker/worker';
import { commandContext } from './context';
import { UsageError } from './options';
import { withTemporal } from './temporal';
import type { WebFlags } from './web';

export async function runWeb(flags: WebFlags): Promise<void> {
  const ctx = commandContext();
  const { config } = ctx;
  if (!flags.worker && config.warehouse.engine === 'pglite') {
    throw new UsageError(
      '--no-worker needs a warehouse other processes can open (WAREHOUSE=postgres or bigquery); PGlite is one process',
    );
  }
  await withTemporal(ctx, async (stack) => {
    const services = await createServices(config, ctx.log);
    try {
      const app = await createWebApp({
        config,
        services,
        workflows: {
          client: stack.client,
          namespace: stack.namespace,
          taskQueue: stack.taskQueue,
          uiUrl: stack.uiUrl,
        },
      });
      await app.listen({
        port: config.port,
        host: new URL(config.publicUrl).hostname === 'localhost' ? '127.0.0.1' : '0.0.0.0',
      });
      console.log(`web app on ${config.publicUrl} (listening on port ${config.port})`);
      const worker = flags.worker
        ? await createWorker({
            connection: await stack.nativeConnection(),
            namespace: stack.namespace,
            taskQueue: stack.taskQueue,
            deps: services,
          })
        : undefined;
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          console.error(`${signal}: shutting down`);
          worker?.shutdown();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      if (worker) {
        console.log(`worker polling task queue ${stack.taskQueue}`);
        await Promise.all([worker.run(), stopped]);
      } else {
        await stopped;
      }
      await app.close();
    } finally {
      await services.close();
    }
  });
}
