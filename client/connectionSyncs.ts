// What a new or renewed connection starts. A workspace with no finished sync gets a backfill of
// `initialBackfillDays`; one synced before (a Reconnect) gets an incremental sync, which resumes
// from its watermark instead of re-reading history. The incremental schedule is created if
// missing. Every start is idempotent (business ids; an existing schedule is kept).
import type { WorkflowHandle } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { WarehouseEngine } from '../warehouse/engine';
import { listRuns } from '../warehouse/ledger';
import {
  createIncrementalSchedule,
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
