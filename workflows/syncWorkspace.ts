// One window of one workspace: workspace-level streams, then every repository, then transforms.
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, type SyncScope, ZERO } from '../activities/contracts';
import { repositorySteps, scopeStreams } from '../bitbucket/streams/plan';
import { extraction, transformation } from './activityProxies';
import { type FanOutOptions, type FanOutResult, syncRepositories, type WindowResume } from './fanOut';
import { withRun } from './runLedger';
import { resolveRunStreams } from './runStreams';

export interface SyncWorkspaceInput extends Omit<SyncScope, 'runId'> {
  concurrency?: number;
  runTransforms?: boolean;
  /** Repositories one run starts before it continues as new (default REPOSITORIES_PER_RUN). */
  repositoriesPerRun?: number;
  /** Carried over continue-as-new: where the window stopped and what was read before. */
  carried?: { resume: WindowResume; counters: Counters };
}

/**
 * The shared body of every kind of sync; `fanOut` carries progress and pause hooks. Given
 * `resume` (a window a previous run stopped in), the workspace level is not read again. The
 * counters are this run's part; `resumeAt` says the caller must continue as new from there.
 */
export async function syncWorkspaceWindow(
  scope: SyncScope,
  fanOut: FanOutOptions,
  resume?: WindowResume,
): Promise<FanOutResult> {
  let counters = ZERO;
  let from = resume;
  if (!from) {
    const level = await extraction.syncWorkspaceLevel(scope);
    fanOut.onProgress?.(level.counters);
    counters = level.counters;
    from = { workspaceUuid: level.workspaceUuid, repositoryCount: level.repositoryCount, offset: 0 };
  }
  // With every repository-level stream off, there is nothing to read per repository.
  if (repositorySteps(scope.includeUnwindowed, scopeStreams(scope)).length === 0) return { counters };
  const repos = await syncRepositories(scope, from, fanOut);
  return { ...repos, counters: addCounters(counters, repos.counters) };
}

export async function syncWorkspace(input: SyncWorkspaceInput): Promise<Counters> {
  const { workflowId } = workflowInfo();
  const { carried, concurrency, runTransforms, repositoriesPerRun, ...rest } = input;
  const scope: SyncScope = { ...rest, runId: workflowId };
  return withRun({ ...scope, workflowId, kind: 'sync' }, async () => {
    const streams = input.streams ?? (await resolveRunStreams(input.connectionId));
    const window = await syncWorkspaceWindow(
      { ...scope, streams },
      { concurrency: concurrency ?? 4, repositoriesPerRun },
      carried?.resume,
    );
    const counters = carried ? addCounters(carried.counters, window.counters) : window.counters;
    if (window.resumeAt) {
      return continueAsNew<typeof syncWorkspace>({
        ...input,
        streams,
        carried: { resume: window.resumeAt, counters },
      });
    }
    if (runTransforms !== false) await transformation.runTransforms(input.connectionId);
    return counters;
  });
}
