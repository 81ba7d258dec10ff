// Activity stubs with the timeouts and retry rules of each kind of work.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index';

type Activities = ReturnType<typeof createActivities>;

const NON_RETRYABLE = ['AUTH', 'FORBIDDEN', 'NOT_FOUND', 'GONE', 'BAD_REQUEST', 'BAD_PAYLOAD'];

/** Long extraction activities: they heartbeat their cursor and resume from it after a crash. */
export const extraction = proxyActivities<Activities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Short bookkeeping activities (ledger, watermarks, windows). */
export const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Building the models after a sync: minutes at scale; a failed data test is not retried. The
 * activity heartbeats while it builds, so a dead worker's build is retried within a minute.
 */
export const transformation = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '5 minutes',
    maximumAttempts: 3,
  },
});
