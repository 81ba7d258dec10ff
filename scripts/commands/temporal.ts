// Temporal for a command: the SDK's runtime (its logs on our logger; signals left to the
// commands), a connection to the embedded dev server or TEMPORAL_ADDRESS, and waiting for a
// workflow in a way that Ctrl-C can interrupt.
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
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

/** Once per process, before the first connection. Other commands get only the SDK's warnings. */
function installSdkRuntime(ctx: CommandContext): void {
  const { logLevel } = ctx.config;
  const verbose = ctx.verboseSdk || logLevel === 'trace' || logLevel === 'debug';
  const sdkLog = ctx.log.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVELS[verbose ? logLevel : 'warn'], ({ level, message, meta }) =>
      sdkLog[PINO_METHODS[level]](meta ?? {}, message),
    ),
    // Commands handle SIGINT/SIGTERM themselves: a worker shuts down gracefully, a wait stops.
    shutdownSignals: [],
  });
}

/** Runs `body` with a Temporal connection (embedded dev server or TEMPORAL_ADDRESS), then closes it. */
export async function withTemporal<T>(
  ctx: CommandContext,
  body: (stack: TemporalStack) => Promise<T>,
): Promise<T> {
  installSdkRuntime(ctx);
  const stack = await connectTemporal(ctx.config, ctx.log);
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
