// What a new or renewed connection starts. A workspace with no finished sync gets a backfill of
// INITIAL_BACKFILL_DAYS; one synced before (a Reconnect) gets an incremental sync, which resumes
// from its watermark instead of re-reading history. The incremental schedule is created if
// missing. Every start is idempotent (business ids; an existing schedule is kept).
import { DateTime } from 'luxon';
import { listRuns } from '../../warehouse/ledger';
import { createIncrementalSchedule, startBackfillWorkflow, startSyncWorkflow } from '../../worker/launch';
import type { WebContext } from '../context';

export interface SyncStart {
  workflows: string[];
  schedule: 'created' | 'exists';
}

async function syncedBefore(ctx: WebContext): Promise<Set<string>> {
  const runs = await listRuns(ctx.deps.services.db, { connectionId: ctx.connectionId, limit: 1000 });
  return new Set(
    runs.filter((r) => r.status === 'completed' && r.workspace).map((r) => r.workspace as string),
  );
}

export async function startSyncing(ctx: WebContext, workspaces: string[]): Promise<SyncStart> {
  const { config, workflows } = ctx.deps;
  const until = DateTime.fromJSDate(ctx.now(), { zone: 'utc' }).startOf('minute');
  const since = until.minus({ days: config.sync.initialBackfillDays });
  const iso = (d: DateTime) => d.toISO({ suppressMilliseconds: true }) as string;
  const synced = await syncedBefore(ctx);
  const started: string[] = [];
  for (const workspace of workspaces.filter((w) => !synced.has(w))) {
    const { handle } = await startBackfillWorkflow(workflows, {
      connectionId: ctx.connectionId,
      workspace,
      since: iso(since),
      until: iso(until),
    });
    started.push(handle.workflowId);
  }
  const resumed = workspaces.filter((w) => synced.has(w));
  if (resumed.length > 0)
    started.push((await startSyncWorkflow(workflows, ctx.connectionId, resumed)).handle.workflowId);
  const schedule = await createIncrementalSchedule(
    workflows,
    ctx.connectionId,
    config.sync.intervalMinutes * 60_000,
  );
  return { workflows: started, schedule };
}
