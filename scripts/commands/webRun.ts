// `bbetl web` and `bbetl start`: the web app, with a worker in the same process unless
// --no-worker. PGlite allows one process, so with the embedded warehouse the app and the worker
// must share one.
import { startAppStack, untilSignal, withWebMetrics } from './appStack';
import { commandContext } from './context';
import { UsageError } from './options';
import { withTemporal } from './temporal';
import type { WebFlags } from './web';

export async function runWeb(flags: WebFlags): Promise<void> {
  const ctx = withWebMetrics(commandContext());
  const { config } = ctx;
  if (!flags.worker && config.warehouse.engine === 'pglite') {
    throw new UsageError(
      '--no-worker needs a warehouse other processes can open (WAREHOUSE=postgres or bigquery); PGlite is one process',
    );
  }
  if (flags.requireConsumer && !(config.bitbucket.clientId && config.bitbucket.clientSecret)) {
    throw new UsageError(
      'set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET to your OAuth consumer (Bitbucket: workspace settings → OAuth consumers, callback URL ' +
        `${config.publicUrl}/oauth/callback); to try bbetl without one, run: bbetl demo`,
    );
  }
  await withTemporal(ctx, async (stack) => {
    const running = await startAppStack(ctx, stack, { worker: flags.worker });
    console.log(`web app on ${config.publicUrl} (listening on port ${config.port})`);
    if (flags.worker) console.log(`worker polling task queue ${stack.taskQueue}`);
    if (flags.requireConsumer)
      console.log(
        `connect Bitbucket at ${config.publicUrl}/connections (create an admin first: bbetl user add <name> --role admin)`,
      );
    const signal = await Promise.race([untilSignal(), running.workerDone.then(() => undefined)]);
    if (signal) console.error(`${signal}: shutting down`);
    await running.stop();
  });
}
