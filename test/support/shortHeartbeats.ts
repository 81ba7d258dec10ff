// A workflow interceptor for the tests that SIGKILL a worker: a dead worker's activity is retried
// only once its heartbeat timeout passes, so these tests would mostly wait. A quarter of the
// production timeouts (extraction 7.5 s, transforms 15 s, still above the transform's 10 s
// heartbeat) keeps what they check and spends a fraction of the wait. Bundled into the worker
// children's workflow code only (globalSetup.ts); production workflows never see it.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const SHORTEN_BY = 4;

function shortened(timeout: unknown): unknown {
  if (typeof timeout !== 'string') return timeout;
  const match = /^(\d+) (second|minute)s?$/.exec(timeout);
  if (!match) return timeout;
  const seconds = Number(match[1]) * (match[2] === 'minute' ? 60 : 1);
  return `${(seconds * 1000) / SHORTEN_BY} ms`;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        const heartbeatTimeout = shortened(
          input.options.heartbeatTimeout,
        ) as typeof input.options.heartbeatTimeout;
        return next({ ...input, options: { ...input.options, heartbeatTimeout } });
      },
    },
  ],
});
