// Starting and inspecting the product's workflows from outside a worker: the CLI and the web app
// both go through here, so a business id, a schedule or a backfill range means the same thing
// wherever it is started. Workflows are named by their type string; no workflow code is loaded.
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { BackfillInput, BackfillProgress, backfill } from '../workflows/backfill';
import type { IncrementalSyncInput, incrementalSync } from '../workflows/incrementalSync';

/** Where workflows are started: a client, its namespace and task queue, and the UI if known. */
export interface WorkflowTarget {
  client: Client;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
}

export const backfillId = (connection: string, workspace: string, since: string, until: string) =>
  `backfill:${connection}:${workspace}:${since}:${until}`;
export const syncId = (connection: string, workspaces: string[]) =>
  `sync:${connection}:${[...new Set(workspaces)].sort().join(',') || '*'}`;
/** Every incremental schedule's id starts with this. */
export const SCHEDULE_PREFIX = 'incremental:';
export const scheduleId = (connection: string) => `${SCHEDULE_PREFIX}${connection}`;

/** Starts the workflow, or attaches to the one already running under this business id. */
export async function startOrAttach<W extends Workflow>(
  target: WorkflowTarget,
  workflowType: string,
  workflowId: string,
  args: Parameters<W>,
): Promise<{ handle: WorkflowHandle<W>; attached: boolean }> {
  const attached = await isRunning(target, workflowId);
  const handle = await target.client.workflow.start<Workflow>(workflowType, {
    taskQueue: target.taskQueue,
    workflowId,
    args,
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  // Typed by W for the caller; the SDK's conditional `args` type cannot see through a generic.
  return { handle: handle as WorkflowHandle<W>, attached };
}

async function isRunning(target: WorkflowTarget, workflowId: string): Promise<boolean> {
  try {
    return (await target.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function startBackfillWorkflow(target: WorkflowTarget, input: BackfillInput) {
  const id = backfillId(input.connectionId, input.workspace, input.since, input.until);
  return startOrAttach<typeof backfill>(target, 'backfill', id, [input]);
}

export function startSyncWorkflow(target: WorkflowTarget, connectionId: string, workspaces: string[] = []) {
  const input: IncrementalSyncInput = {
    connectionId,
    workspaces: workspaces.length ? [...new Set(workspaces)].sort() : undefined,
  };
  return startOrAttach<typeof incrementalSync>(target, 'incrementalSync', syncId(connectionId, workspaces), [
    input,
  ]);
}

/** Creates the connection's incremental schedule; 'exists' when it is there already (left as it is). */
export async function createIncrementalSchedule(
  target: WorkflowTarget,
  connectionId: string,
  everyMs: number,
): Promise<'created' | 'exists'> {
  const id = scheduleId(connectionId);
  const input: IncrementalSyncInput = { connectionId };
  try {
    await target.client.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'incrementalSync',
        args: [input],
        taskQueue: target.taskQueue,
        workflowId: id,
      },
      // SKIP: a sync still running when the next is due makes that one a no-op. One interval of
      // catch-up: after an outage one sync catches up from the watermark, not one per missed run.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: everyMs },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

const QUERY_DEADLINE_MS = 2000;

export interface RunningBackfill {
  workflowId: string;
  workspace: string;
  since: string;
  until: string;
  startedAt: Date;
  /** Undefined until a worker has picked the workflow up and answered the query. */
  progress?: BackfillProgress;
}

/**
 * The running backfills of this target's task queue whose workflow id starts with `prefix` (e.g.
 * `backfill:{connection}:`). Another task queue is another install sharing the namespace: its
 * backfills are not ours to show or pause, and with no worker of ours they would only stall the
 * progress queries.
 */
export async function listRunningBackfills(
  target: WorkflowTarget,
  prefix: string,
): Promise<Array<{ workflowId: string; startTime: Date }>> {
  const found: Array<{ workflowId: string; startTime: Date }> = [];
  for await (const wf of target.client.workflow.list({
    query: `WorkflowType = 'backfill' AND ExecutionStatus = 'Running'`,
  })) {
    if (wf.workflowId.startsWith(prefix) && wf.taskQueue === target.taskQueue)
      found.push({ workflowId: wf.workflowId, startTime: wf.startTime });
  }
  return found;
}

/** The connection's running backfills, with their progress (from the workflow's `progress` query). */
export async function runningBackfills(
  target: WorkflowTarget,
  connectionId: string,
): Promise<RunningBackfill[]> {
  const prefix = `backfill:${connectionId}:`;
  const found = await Promise.all(
    (await listRunningBackfills(target, prefix)).map(async (wf): Promise<RunningBackfill> => {
      // backfill:{connection}:{workspace}:{since}:{until}; since/until hold colons themselves.
      const rest = wf.workflowId.slice(prefix.length);
      const match = /^([^:]+):(.+Z):(.+Z)$/.exec(rest);
      const handle = target.client.workflow.getHandle<typeof backfill>(wf.workflowId);
      return {
        workflowId: wf.workflowId,
        workspace: match?.[1] ?? rest,
        since: match?.[2] ?? '',
        until: match?.[3] ?? '',
        startedAt: wf.startTime,
        // Without a worker a query waits for one: give up after a moment, the page must not hang.
        progress: await target.client
          .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<BackfillProgress>('progress'))
          .catch(() => undefined),
      };
    }),
  );
  return found.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

/** The workflow's page in the Temporal UI, when the UI's address is known. */
export function workflowUrl(target: WorkflowTarget, workflowId: string): string | undefined {
  return (
    target.uiUrl &&
    `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`
  );
}
