import { ApplicationFailure } from '@temporalio/activity';
import { isBitbucketError } from '../bitbucket/errors';
import type { ActivityDeps } from './deps';

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
