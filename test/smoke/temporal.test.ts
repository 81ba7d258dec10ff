import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as activities from '../fixtures/greetingActivities';
import { greetingWorkflow } from '../fixtures/greetingWorkflow';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';

describe.skipIf(!temporalAvailable())('Temporal dev server (smoke)', () => {
  it('runs a workflow and its activity on the real server', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const workflowsPath = fileURLToPath(new URL('../fixtures/greetingWorkflow.ts', import.meta.url));
    const { result, eventTypes } = await withWorker(
      { taskQueue, workflowsPath, activities },
      async (client) => {
        const handle = await client.workflow.start(greetingWorkflow, {
          taskQueue,
          workflowId: `smoke-${taskQueue}`,
          args: ['Bitbucket'],
        });
        const result = await handle.result();
        const history = await handle.fetchHistory();
        return { result, eventTypes: (history.events ?? []).map((e) => String(e.eventType)) };
      },
    );
    expect(result).toBe(`Hello, Bitbucket! (from worker pid ${process.pid})`);
    // The server recorded the activity: this ran on a real Temporal server, not in-process.
    expect(eventTypes.some((t) => t.includes('ACTIVITY_TASK_COMPLETED') || t === '12')).toBe(true);
  });
});
