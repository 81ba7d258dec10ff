import { ApplicationFailure } from '@temporalio/activity';
import { isBitbucketError } from '../bitbucket/errors';
import { recordError } from '../warehouse/ledger';
import type { ActivityDeps } from './deps';

/** A stream skipped for this run (scope not granted, not an admin …): kept in the ledger and logged. */
export async function recordSkippedStream(
  deps: Pick<ActivityDeps, 'db' | 'log'>,
  skip: {
    connectionId: string;
    runId: string;
    stream: string;
    kind: string;
    message: string;
    /** The parent whose list was skipped (a repository, a pull request …). */
    parentKey?: string;
  },
  context: Record<string, unknown>,
): Promise<void> {
  const { connectionId, runId, stream, kind, message, parentKey } = skip;
  await recordError(deps.db, { connectionId, runId, stream, kind, message, recordKey: parentKey });
  deps.log.warn({ connectionId, ...context, stream, kind, parent: parentKey }, message);
}

/**
 * Runs an activity body and turns a BitbucketError into an ApplicationFailure whose type is the
 * error kind, so workflows can decide by kind and Temporal retries only what is worth retrying.
 * An AUTH failure also marks the connection reconnect_required (its workflows then stop).
 */
export async function classified<T>(
  deps: ActivityDeps,
  connectionId: string,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (!isBitbucketError(err)) throw err;
    if (err.kind === 'AUTH') await deps.onAuthFailure(connectionId, err.message);
    throw ApplicationFailure.create({ type: err.kind, message: err.message, nonRetryable: !err.retryable });
  }
}
