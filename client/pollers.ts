// Whether live workers poll a task queue, from the server's list of pollers. Kept apart from the
// worker code so a command that only asks (doctor, sync without --wait) loads no worker.
import { hostname } from 'node:os';
import { pidAlive } from '../lib/pidFile';
import type { WorkflowTarget } from './launch';

// temporal.api.enums.v1.TaskQueueType: the SDK does not re-export the proto enums.
const WORKFLOW_TASK_QUEUE = 1;
const ACTIVITY_TASK_QUEUE = 2;
/** A long poll lasts about a minute; a poller not seen for longer has gone. */
const POLLER_SEEN_MS = 2 * 60_000;

interface Poller {
  identity?: string | null;
  lastAccessTime?: { seconds?: { toString(): string } | null } | null;
}

/**
 * The server lists a poller for minutes after its worker stopped. A worker of this machine (the
 * SDK's default identity is pid@host) counts while its process lives; any other while it polled
 * recently.
 */
function isLivePoller(poller: Poller): boolean {
  const local = /^(\d+)@(.+)$/.exec(poller.identity ?? '');
  if (local && local[2] === hostname()) return pidAlive(Number(local[1]));
  const seconds = Number(poller.lastAccessTime?.seconds?.toString() ?? 0);
  return Date.now() - seconds * 1000 < POLLER_SEEN_MS;
}

/** True when live workers poll the task queue for both workflow and activity tasks. */
export async function workersPolling(stack: WorkflowTarget): Promise<boolean> {
  for (const taskQueueType of [WORKFLOW_TASK_QUEUE, ACTIVITY_TASK_QUEUE]) {
    const { pollers } = await stack.client.workflowService.describeTaskQueue({
      namespace: stack.namespace,
      taskQueue: { name: stack.taskQueue },
      taskQueueType,
    });
    if (!pollers.some((p) => isLivePoller(p))) return false;
  }
  return true;
}
