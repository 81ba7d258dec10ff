// What a new or renewed connection starts. A workspace with no finished sync gets a backfill of
// `initialBackfillDays`; one synced before (a Reconnect) gets an incremental sync, which resumes
// from its watermark instead of re-reading history. The incremental schedule is created if
// missing. Every start is idempotent (business ids; an existing schedule is kept).
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { WarehouseEngine } from '../warehouse/engine';
import { listRuns } from '../warehouse/ledger';
import {
  createIncrementalSchedule,
  scheduleId,
  startBackfillWorkflow,
  startSyncWorkflow,
  type WorkflowTarget,
} from './launch';

export interface ConnectionSyncsInput {
  db: WarehouseEngine;
  connectionId: string;
  workspaces: string[];
  initialBackfillDays: number;
  intervalMinutes: number;
  now: Date;
}

export interface StartedSyncs {
  backfills: WorkflowHandle[];
  syncs: WorkflowHandle[];
  schedule: 'created' | 'exists';
}

async function syncedBefore(db: WarehouseEngine, connectionId: string): Promise<Set<string>> {
  const runs = await listRuns(db, { connectionId, limit: 1000 });
  return new Set(
    runs.filter((r) => r.status === 'completed' && r.workspace).map((r) => r.workspace as string),
  );
}

export async function startConnectionSyncs(
  target: WorkflowTarget,
  input: ConnectionSyncsInput,
): Promise<StartedSyncs> {
  const until = DateTime.fromJSDate(input.now, { zone: 'utc' }).startOf('minute');
  const since = until.minus({ days: input.initialBackfillDays });
  const iso = (d: DateTime) => d.toISO({ suppressMilliseconds: true }) as string;
  const synced = await syncedBefore(input.db, input.connectionId);
  const backfills: WorkflowHandle[] = [];
  for (const workspace of input.workspaces.filter((w) => !synced.has(w))) {
    const { handle } = await startBackfillWorkflow(target, {
      connectionId: input.connectionId,
      workspace,
      since: iso(since),
      until: iso(until),
    });
    backfills.push(handle);
  }
  const resumed = input.workspaces.filter((w) => synced.has(w));
  const syncs =
    resumed.length > 0 ? [(await startSyncWorkflow(target, input.connectionId, resumed)).handle] : [];
  const schedule = await createIncrementalSchedule(
    target,
    input.connectionId,
    input.intervalMinutes * 60_000,
  );
  return { backfills, syncs, schedule };
}

export interface StoppedSyncs {
  schedule: 'deleted' | 'absent';
  /** The running workflows cancelled (their children go with them). */
  cancelled: string[];
  /** Those of them that had not closed by the deadline, so were terminated. */
  terminated: string[];
}

/** How long cancelled workflows get to record their runs as cancelled before they are terminated. */
const CLOSE_DEADLINE_MS = 20_000;

/**
 * What a disconnect stops: the connection's incremental schedule (deleted) and its running
 * backfills and syncs (cancelled, so each records its run as cancelled), waiting until they have
 * closed: the tokens are deleted only after, or a sync still running would fail for want of them.
 * Only this install's task queue: another install sharing the namespace is not ours to stop.
 */
export async function stopConnectionSyncs(
  target: WorkflowTarget,
  connectionId: string,
  closeDeadlineMs = CLOSE_DEADLINE_MS,
): Promise<StoppedSyncs> {
  let schedule: StoppedSyncs['schedule'] = 'deleted';
  try {
    await target.client.schedule.getHandle(scheduleId(connectionId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    schedule = 'absent';
  }
  // Scheduled runs are named after the schedule, with the time appended.
  const prefixes = [`backfill:${connectionId}:`, `sync:${connectionId}:`, `${scheduleId(connectionId)}-`];
  const running: WorkflowHandle[] = [];
  for await (const wf of target.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (wf.taskQueue !== target.taskQueue || !prefixes.some((p) => wf.workflowId.startsWith(p))) continue;
    const handle = target.client.workflow.getHandle(wf.workflowId, wf.runId);
    await handle.cancel();
    running.push(handle);
  }
  const deadline = Date.now() + closeDeadlineMs;
  const terminated: string[] = [];
  for (const handle of running) {
    // Ending either way (cancelled, or failed meanwhile) is closed; the timer is the deadline.
    const closed = await Promise.race([
      handle.result().then(
        () => true,
        () => true,
      ),
      sleep(Math.max(0, deadline - Date.now())).then(() => false),
    ]);
    if (closed) continue;
    await handle.terminate(`connection ${connectionId} disconnected`).catch(() => {});
    terminated.push(handle.workflowId);
  }
  return { schedule, cancelled: running.map((h) => h.workflowId).sort(), terminated: terminated.sort() };
}
