// Temporal for a command: the SDK's runtime (its logs on our logger; signals left to the
// commands), a connection to the embedded dev server or TEMPORAL_ADDRESS, and waiting for a
// workflow in a way that Ctrl-C can interrupt.
import type { LogLevel } from '@temporalio/worker';
import { freePort } from '../../lib/net';
import type { Config } from '../../temporal.config';
import { connectTemporal, type TemporalStack } from '../../worker/stack';
import type { CommandContext } from './context';

const SDK_LEVELS: Record<Config['logLevel'], LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

const PINO_METHODS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Once per process, before the first native connection (a worker's): commands that only use the
 * client never load the worker SDK. Other commands get only the SDK's warnings. When the command
 * serves metrics, the SDK's Prometheus exporter listens on a free port of 127.0.0.1 only (it
 * cannot share ours), and every scrape of ours appends what it serves.
 */
async function installSdkRuntime(ctx: CommandContext): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { logLevel } = ctx.config;
  const verbose = ctx.verboseSdk || logLevel === 'trace' || logLevel === 'debug';
  const sdkLog = ctx.log.child({ component: 'temporal' });
  const { metrics } = ctx;
  // Free a moment ago: only another program binding it in that moment makes install fail.
  const exporter = metrics ? `127.0.0.1:${await freePort()}` : undefined;
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVELS[verbose ? logLevel : 'warn'], ({ level, message, meta }) =>
      sdkLog[PINO_METHODS[level]](meta ?? {}, message),
    ),
    // Commands handle SIGINT/SIGTERM themselves: a worker shuts down gracefully, a wait stops.
    shutdownSignals: [],
    ...(exporter ? { telemetryOptions: { metrics: { prometheus: { bindAddress: exporter } } } } : {}),
  });
  if (exporter) metrics?.attachTemporalRuntime(`http://${exporter}/metrics`);
}

/** Runs `body` with a Temporal connection (embedded dev server or TEMPORAL_ADDRESS), then closes it. */
export async function withTemporal<T>(
  ctx: CommandContext,
  body: (stack: TemporalStack) => Promise<T>,
): Promise<T> {
  const stack = await connectTemporal(ctx.config, ctx.log, () => installSdkRuntime(ctx));
  if (stack.uiUrl) console.error(`Temporal UI: ${stack.uiUrl}`);
  try {
    return await body(stack);
  } finally {
    await stack.close();
  }
}

/**
 * Resolves with the work's outcome, or with `interrupted` at the first SIGINT/SIGTERM. Either way
 * the signal handed to the work is aborted at the end, so none of its calls outlive the command
 * (the workflow itself goes on: on the server, or in the local worker that shuts down next).
 */
export async function untilInterrupted<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ interrupted: false; value: T } | { interrupted: true }> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const interrupted = new Promise<{ interrupted: true }>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve({ interrupted: true })),
  );
  const outcome = work(controller.signal).then((value) => ({ interrupted: false as const, value }));
  // After an interrupt nobody awaits the work; its failure then must not crash the process.
  outcome.catch(() => {});
  try {
    return await Promise.race([outcome, interrupted]);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    controller.abort();
  }
}
