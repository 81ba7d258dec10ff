// The scheduled incremental load of a connection (one Temporal Schedule per connection, overlap
// SKIP), also started by hand (`bbetl sync`). Each workspace's window runs from its stored
// watermark (minus an overlap, for records whose updated_on lands late) to the scheduled time,
// capped by Bitbucket's own clock (a run started by hand: to Bitbucket's clock). Never the wall
// clock inside workflow code.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, ZERO } from '../activities/contracts';
import { bookkeeping, transformation } from './activityProxies';
import { withRun } from './runLedger';
import { resolveRunStreams } from './runStreams';
import { syncWorkspaceWindow } from './syncWorkspace';

export interface IncrementalSyncInput {
  connectionId: string;
  /** Limit to these workspaces (default: every workspace of the connection). */
  workspaces?: string[];
  overlapMinutes?: number;
  concurrency?: number;
  /** Read every list of every changed parent, skipping none (a full re-read; see SyncScope). */
  readEveryList?: boolean;
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The schedule's nominal time for this run; undefined for a run started by hand. */
function scheduledTime(): string | undefined {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START)?.toISOString();
}

export async function incrementalSync(input: IncrementalSyncInput): Promise<Counters> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const windows = await bookkeeping.planIncrementalWindows({
    connectionId: input.connectionId,
    workspaces: input.workspaces,
    scheduledTime: scheduledTime(),
    overlapMinutes: input.overlapMinutes ?? 60,
  });
  const streams = await resolveRunStreams(input.connectionId);
  let total = ZERO;
  for (const window of windows) {
    const scope = {
      connectionId: input.connectionId,
      runId: `${workflowId}:${firstExecutionRunId}:${window.workspace}`,
      includeUnwindowed: true,
      streams,
      readEveryList: input.readEveryList,
      ...window,
    };
    const counters = await withRun({ ...scope, workflowId, kind: 'incremental' }, () =>
      syncWorkspaceWindow(scope, { concurrency: input.concurrency ?? 4 }),
    );
    await bookkeeping.commitWatermark(input.connectionId, window.workspace, window.until);
    total = addCounters(total, counters);
  }
  await transformation.runTransforms(input.connectionId);
  return total;
}
