// A workflow interceptor for the tests that SIGKILL a worker: a dead worker's activity is retried
// only once its heartbeat timeout passes and then its retry's first interval, so these tests would
// mostly wait. A quarter of the production values (heartbeat timeouts: extraction 7.5 s,
// transforms 15 s, still above the transform's 10 s heartbeat; first retry intervals: 0.5 s and
// 2.5 s) keeps what they check and spends a fraction of the wait. Bundled into the worker
// children's workflow code only (globalSetup.ts); production workflows never see it.
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const SHORTEN_BY = 4;

const shortened = (duration: Parameters<typeof msOptionalToNumber>[0]) => {
  const ms = msOptionalToNumber(duration);
  return ms === undefined ? undefined : ms / SHORTEN_BY;
};

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        const { heartbeatTimeout, retry } = input.options;
        const options = {
          ...input.options,
          heartbeatTimeout: shortened(heartbeatTimeout),
          retry: retry && { ...retry, initialInterval: shortened(retry.initialInterval) },
        };
        return next({ ...input, options });
      },
    },
  ],
});
