// A backfill of one workspace over [since, until), in bounded windows read newest first (the recent
// past reaches the dashboard before old history), with a progress query (and an estimate of the
// requests left) and pause / resume signals; cancel it with Temporal's cancel. Streams without a
// window (re-lists, commits, pipelines, deployments) are read once, in the first window read, back
// to the backfill's start. Once that window has listed the repositories, windows that end before
// the oldest was created are skipped, and each window reads only repositories that existed before
// it ended. The workflow continues as new between windows when its history grows large.
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
import {
  type BackfillCosts,
  estimateRequestsLeft,
  NO_COSTS,
  type RequestEstimate,
  spend,
} from './backfillEstimate';
import type { WindowResume } from './fanOut';
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
  /** Read every list of every changed parent, skipping none (a full re-read; see SyncScope). */
  readEveryList?: boolean;
  /** Repositories one run starts before it continues as new (default REPOSITORIES_PER_RUN). */
  repositoriesPerRun?: number;
  /** Carried over continue-as-new. */
  progress?: BackfillProgress;
  /** The streams it reads: resolved by its first run, carried over continue-as-new. */
  streams?: SyncScope['streams'];
}

export interface BackfillProgress {
  windowsTotal: number;
  /** Windows read (the skipped ones are not). */
  windowsDone: number;
  /** Windows not read: they end before the workspace's oldest repository was created. */
  windowsSkipped?: number;
  repositoriesDone: number;
  currentWindow?: {
    since: string;
    until: string;
    repositoriesDone?: number;
    workspaceRead?: boolean;
    /** Where a run stopped inside this window, to continue as new from there. */
    resume?: WindowResume;
  };
  counters: Counters;
  paused: boolean;
  /** Windows are read newest first (backfills started before that order read oldest first). */
  newestFirst?: boolean;
  /** Repositories each window reads, in reading order: known once the first window listed them. */
  repositoriesPerWindow?: number[];
  /** What reading has cost so far: the basis of the estimate. */
  costs?: BackfillCosts;
  /** Requests still to make, estimated; only in the progress query's answer. */
  estimate?: RequestEstimate;
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

/** The windows at the end of the reading order that read no repository (never the first). */
export function emptyTail(repositoriesPerWindow: readonly number[]): number {
  let n = 0;
  while (n < repositoriesPerWindow.length - 1 && repositoriesPerWindow.at(-1 - n) === 0) n += 1;
  return n;
}

export async function backfill(input: BackfillInput): Promise<Counters> {
  const { workflowId } = workflowInfo();
  // Patched: a backfill started oldest first keeps that order, across continue-as-new too.
  const newestFirst = input.progress ? input.progress.newestFirst === true : patched('backfill-newest-first');
  const windows = backfillWindows(input.since, input.until, input.windowDays ?? 90);
  if (newestFirst) windows.reverse();
  const progress: BackfillProgress = input.progress ?? {
    windowsTotal: windows.length,
    windowsDone: 0,
    windowsSkipped: 0,
    repositoriesDone: 0,
    counters: ZERO,
    paused: false,
    newestFirst,
  };
  const windowsToRead = () => progress.windowsTotal - (progress.windowsSkipped ?? 0);
  setHandler(progressQuery, () => ({ ...progress, estimate: estimateRequestsLeft(progress) }));
  setHandler(pauseSignal, () => {
    progress.paused = true;
  });
  setHandler(resumeSignal, () => {
    progress.paused = false;
  });

  const run = async () => {
    const streams = input.streams ?? (await resolveRunStreams(input.connectionId));
    /** How many repositories each window reads; the empty windows at the end are skipped. */
    const planWindows = async (workspaceUuid: string) => {
      const untils = windows.map((w) => w.until);
      progress.repositoriesPerWindow = await bookkeeping.repositoriesPerWindow(
        input.connectionId,
        workspaceUuid,
        untils,
      );
      progress.windowsSkipped = emptyTail(progress.repositoriesPerWindow);
    };
    while (progress.windowsDone < windowsToRead()) {
      const window = windows[progress.windowsDone] as { since: string; until: string };
      const firstWindow = progress.windowsDone === 0;
      // A run that stopped inside this window (continue-as-new) left where to go on from.
      const resume = progress.currentWindow?.resume;
      const current: NonNullable<BackfillProgress['currentWindow']> = {
        ...window,
        repositoriesDone: resume ? (progress.currentWindow?.repositoriesDone ?? 0) : 0,
        workspaceRead: resume !== undefined,
      };
      progress.currentWindow = current;
      const scope = {
        connectionId: input.connectionId,
        workspace: input.workspace,
        runId: workflowId,
        // The first window read also reads what has no window, from the very start of the backfill.
        includeUnwindowed: firstWindow,
        historySince: input.since,
        streams,
        readEveryList: input.readEveryList,
        ...window,
      };
      const read = await syncWorkspaceWindow(
        scope,
        {
          concurrency: input.concurrency ?? 4,
          repositoriesPerRun: input.repositoriesPerRun,
          mayStart: () => !progress.paused,
          beforeRepositories: newestFirst && firstWindow ? planWindows : undefined,
          onProgress: (c, repository) => {
            if (repository) {
              progress.repositoriesDone += 1;
              current.repositoriesDone = (current.repositoriesDone ?? 0) + 1;
            } else current.workspaceRead = true;
            const part = repository ? 'repository' : 'workspace';
            progress.costs = spend(progress.costs ?? NO_COSTS, part, firstWindow, c.requests);
            progress.counters = addCounters(progress.counters, c);
          },
        },
        resume,
      );
      if (read.resumeAt) {
        current.resume = read.resumeAt;
        await continueAsNew<typeof backfill>({ ...input, progress, streams });
      }
      progress.windowsDone += 1;
      const more = progress.windowsDone < windowsToRead();
      // The recent past on the dashboard before old history: the marts are built after the
      // newest window too. (Patched: backfills started before this replay without it.)
      if (newestFirst && firstWindow && more && patched('marts-after-newest-window')) {
        progress.currentWindow = undefined;
        await transformation.runTransforms(input.connectionId);
      }
      if (more && workflowInfo().continueAsNewSuggested) {
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
    // The marts are built once the run is recorded completed: they read the ledger (the history
    // a completed run covers). Patched: backfills started before this build them inside the run.
    martsAfterRun = patched('marts-after-run-recorded');
    if (!martsAfterRun) await transformation.runTransforms(input.connectionId);
    return progress.counters;
  };
  let martsAfterRun = false;
  const counters = await withRun(
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
  if (martsAfterRun) await transformation.runTransforms(input.connectionId);
  return counters;
}
