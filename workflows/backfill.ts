// A backfill of one workspace over [since, until), in bounded windows (oldest first), with a
// progress query and pause / resume signals; cancel it with Temporal's cancel. Streams without a
// window (re-lists, commits, pipelines, deployments) are read once, in the first window. The
// workflow continues as new between windows when its history grows large.
import {
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { addCounters, type Counters, type SyncScope, ZERO } from '../activities/contracts';
import { bookkeeping, transformation } from './activityProxies';
import { withRun } from './runLedger';
import { resolveRunStreams } from './runStreams';
import { syncWorkspaceWindow } from './syncWorkspace';

export interface BackfillInput {
  connectionId: string;
  workspace: string;
  since: string;
  until: string;
  windowDays?: number;
  concurrency?: number;
  /** Carried over continue-as-new. */
  progress?: BackfillProgress;
  /** The streams it reads: resolved by its first run, carried over continue-as-new. */
  streams?: SyncScope['streams'];
}

export interface BackfillProgress {
  windowsTotal: number;
  windowsDone: number;
  repositoriesDone: number;
  currentWindow?: { since: string; until: string };
  counters: Counters;
  paused: boolean;
}

export const progressQuery = defineQuery<BackfillProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

const DAY_MS = 86_400_000;

export function backfillWindows(
  since: string,
  until: string,
  windowDays: number,
): Array<{ since: string; until: string }> {
  const out: Array<{ since: string; until: string }> = [];
  const end = Date.parse(until);
  for (let t = Date.parse(since); t < end; t += windowDays * DAY_MS) {
    out.push({
      since: new Date(t).toISOString(),
      until: new Date(Math.min(end, t + windowDays * DAY_MS)).toISOString(),
    });
  }
  return out;
}

export async function backfill(input: BackfillInput): Promise<Counters> {
  const { workflowId } = workflowInfo();
  const windows = backfillWindows(input.since, input.until, input.windowDays ?? 90);
  const progress: BackfillProgress = input.progress ?? {
    windowsTotal: windows.length,
    windowsDone: 0,
    repositoriesDone: 0,
    counters: ZERO,
    paused: false,
  };
  setHandler(progressQuery, () => progress);
  setHandler(pauseSignal, () => {
    progress.paused = true;
  });
  setHandler(resumeSignal, () => {
    progress.paused = false;
  });

  const run = async () => {
    const streams = input.streams ?? (await resolveRunStreams(input.connectionId));
    for (const window of windows.slice(progress.windowsDone)) {
      progress.currentWindow = window;
      const scope = {
        connectionId: input.connectionId,
        workspace: input.workspace,
        runId: workflowId,
        // The first window also reads what has no window, from the very start of the backfill.
        includeUnwindowed: progress.windowsDone === 0,
        streams,
        ...window,
      };
      await syncWorkspaceWindow(scope, {
        concurrency: input.concurrency ?? 4,
        mayStart: () => !progress.paused,
        onProgress: (c, repository) => {
          if (repository) progress.repositoriesDone += 1;
          progress.counters = addCounters(progress.counters, c);
        },
      });
      progress.windowsDone += 1;
      if (progress.windowsDone < windows.length && workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof backfill>({ ...input, progress, streams });
      }
    }
    // Patched: backfills started before this step existed replay without it.
    if (patched('backfill-advances-watermark')) {
      await bookkeeping.advanceWatermarkAfterBackfill(
        input.connectionId,
        input.workspace,
        input.since,
        input.until,
      );
    }
    await transformation.runTransforms(input.connectionId);
    return progress.counters;
  };
  return withRun(
    {
      runId: workflowId,
      connectionId: input.connectionId,
      workflowId,
      kind: 'backfill',
      workspace: input.workspace,
      since: input.since,
      until: input.until,
    },
    run,
  );
}
