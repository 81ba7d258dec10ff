// `bbetl worker`: polls the task queue until SIGTERM/SIGINT, then shuts down gracefully.
import { createServices } from '../../services/services';
import { createWorker } from '../../worker/worker';
import { commandContext } from './context';
import { withTemporal } from './temporal';

export async function runWorker(): Promise<void> {
  const ctx = commandContext({ verboseSdk: true });
  await withTemporal(ctx, async (stack) => {
    const services = await createServices(ctx.config, ctx.log);
    try {
      const worker = await createWorker({
        connection: await stack.nativeConnection(),
        namespace: stack.namespace,
        taskQueue: stack.taskQueue,
        deps: services,
      });
      // Graceful: no new tasks; running activities get the grace time to finish or heartbeat.
      // A second signal finds no handler and ends the process at once.
      const shutdown = (signal: string) => {
        console.error(`${signal}: shutting down, letting running activities finish or heartbeat`);
        worker.shutdown();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      console.log(
        `worker polling task queue ${stack.taskQueue} on ${stack.address} (namespace ${stack.namespace})`,
      );
      await worker.run();
      console.log('worker stopped');
    } finally {
      await services.close();
    }
  });
}
