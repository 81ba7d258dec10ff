// A workflow interceptor for the tests that SIGKILL a worker: a dead worker's activity is retried
// only once its heartbeat timeout passes, so these tests would mostly wait. A quarter of the
// production timeouts (extraction 7.5 s, transforms 15 s, still above the transform's 10 s
// heartbeat) keeps what they check and spends a fraction of the wait. Bundled into the worker
// children's workflow code only (globalSetup.ts); production workflows never see it.
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const SHORTEN_BY = 4;

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        const ms = msOptionalToNumber(input.options.heartbeatTimeout);
        const heartbeatTimeout = ms === undefined ? undefined : ms / SHORTEN_BY;
        return next({ ...input, options: { ...input.options, heartbeatTimeout } });
      },
    },
  ],
});
