// Reporting on and waiting for the workflows the CLI starts (client/launch.ts starts them).
import { WorkflowFailedError } from '@temporalio/client';
import type { Counters } from '../../activities/contracts';
import { workersPolling } from '../../client/pollers';
import { type TemporalStack, withLocalWorkerIfNeeded } from '../../worker/stack';
import type { CommandContext } from './context';
import { untilInterrupted } from './temporal';

/** Said when a workflow was started without --wait and nothing will run it yet. */
export async function warnIfNoWorker(stack: TemporalStack): Promise<void> {
  if (await workersPolling(stack)) return;
  console.error(
    `note: no worker polls task queue ${stack.taskQueue} right now; the workflow runs once one does ` +
      '(start `bbetl worker`, or pass --wait to run one inside this command)',
  );
}

export function formatCounters(c: Counters): string {
  return `records ${c.records} · requests ${c.requests} · 429s ${c.rateLimited} · errors ${c.errors}`;
}

/** "failed: <the innermost cause>" for a workflow that did not complete. */
function outcomeOf(err: WorkflowFailedError): string {
  let cause: Error | undefined = err.cause;
  while (cause?.cause instanceof Error) cause = cause.cause;
  const name = err.cause?.name ?? '';
  if (name === 'CancelledFailure') return 'was cancelled';
  if (name === 'TerminatedFailure') return 'was terminated';
  return `failed: ${cause?.message ?? err.message}`;
}

/**
 * Waits for `work` (the workflow's result), running a worker in this process if none polls.
 * Undefined when it did not complete: the reason is printed and the exit code set (1 failed,
 * 130 interrupted: the workflow itself goes on).
 */
export async function waitForWorkflow<T>(
  ctx: CommandContext,
  stack: TemporalStack,
  label: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  try {
    // Aborting the signal also cancels the work's calls to Temporal (a long poll for the result).
    const outcome = await withLocalWorkerIfNeeded(stack, ctx.config, ctx.log, () =>
      untilInterrupted((signal) => stack.client.withAbortSignal(signal, () => work(signal))),
    );
    if (!outcome.interrupted) return outcome.value;
    console.error(`stopped waiting; ${label} goes on whenever a worker polls ${stack.taskQueue}`);
    process.exitCode = 130;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    console.error(`${label} ${outcomeOf(err)}`);
    process.exitCode = 1;
  }
  return undefined;
}
