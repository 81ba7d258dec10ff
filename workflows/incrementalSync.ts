// The scheduled incremental load of a connection (one Temporal Schedule per connection, overlap
// SKIP), also started by hand (`bbetl sync`). Each workspace's window runs from its stored
// watermark (minus an overlap, for records whose updated_on lands late) to the scheduled time,
// capped by Bitbucket's own clock (a run started by hand: to Bitbucket's clock). Never the wall
// clock inside workflow code.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, type SyncScope, type SyncWindow, ZERO } from '../activities/contracts';
import { bookkeeping, transformation } from './activityProxies';
import type { WindowResume } from './fanOut';
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
  /** Repositories one run starts before it continues as new (default REPOSITORIES_PER_RUN). */
  repositoriesPerRun?: number;
  /** Build the marts after the load (default true). */
  runTransforms?: boolean;
  /** Carried over continue-as-new: the planned windows, the ones done, where the next one stopped. */
  carried?: IncrementalProgress;
}

type PlannedWindow = SyncWindow & { workspace: string };

interface IncrementalProgress {
  windows: PlannedWindow[];
  windowsDone: number;
  resume?: WindowResume;
  /** Of the window being read, before this run. */
  windowCounters: Counters;
  total: Counters;
  streams: SyncScope['streams'];
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The schedule's nominal time for this run; undefined for a run started by hand. */
function scheduledTime(): string | undefined {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START)?.toISOString();
}

export async function incrementalSync(input: IncrementalSyncInput): Promise<Counters> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const progress: IncrementalProgress = input.carried ?? {
    windows: await bookkeeping.planIncrementalWindows({
      connectionId: input.connectionId,
      workspaces: input.workspaces,
      scheduledTime: scheduledTime(),
      overlapMinutes: input.overlapMinutes ?? 60,
    }),
    windowsDone: 0,
    windowCounters: ZERO,
    total: ZERO,
    streams: await resolveRunStreams(input.connectionId),
  };
  for (const window of progress.windows.slice(progress.windowsDone)) {
    const scope = {
      connectionId: input.connectionId,
      runId: `${workflowId}:${firstExecutionRunId}:${window.workspace}`,
      includeUnwindowed: true,
      streams: progress.streams,
      readEveryList: input.readEveryList,
      ...window,
    };
    const counters = await withRun({ ...scope, workflowId, kind: 'incremental' }, async () => {
      const read = await syncWorkspaceWindow(
        scope,
        { concurrency: input.concurrency ?? 4, repositoriesPerRun: input.repositoriesPerRun },
        progress.resume,
      );
      const windowCounters = addCounters(progress.windowCounters, read.counters);
      if (read.resumeAt) {
        return continueAsNew<typeof incrementalSync>({
          ...input,
          carried: { ...progress, resume: read.resumeAt, windowCounters },
        });
      }
      return windowCounters;
    });
    await bookkeeping.commitWatermark(input.connectionId, window.workspace, window.until);
    progress.total = addCounters(progress.total, counters);
    progress.windowsDone += 1;
    progress.resume = undefined;
    progress.windowCounters = ZERO;
  }
  if (input.runTransforms !== false) await transformation.runTransforms(input.connectionId);
  return progress.total;
}
