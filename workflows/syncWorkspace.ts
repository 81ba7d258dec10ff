// One window of one workspace: workspace-level streams, then every repository, then transforms.
import { workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, type SyncScope } from '../activities/contracts';
import { repositorySteps, scopeStreams } from '../bitbucket/streams/plan';
import { extraction, transformation } from './activityProxies';
import { type FanOutOptions, syncRepositories } from './fanOut';
import { withRun } from './runLedger';
import { resolveRunStreams } from './runStreams';

export interface SyncWorkspaceInput extends Omit<SyncScope, 'runId'> {
  concurrency?: number;
  runTransforms?: boolean;
}

/** The shared body of every kind of sync; `fanOut` carries progress and pause hooks. */
export async function syncWorkspaceWindow(scope: SyncScope, fanOut: FanOutOptions): Promise<Counters> {
  const level = await extraction.syncWorkspaceLevel(scope);
  fanOut.onProgress?.(level.counters);
  // With every repository-level stream off, there is nothing to read per repository.
  if (repositorySteps(scope.includeUnwindowed, scopeStreams(scope)).length === 0) return level.counters;
  const repos = await syncRepositories(scope, level.workspaceUuid, level.repositoryCount, fanOut);
  return addCounters(level.counters, repos);
}

export async function syncWorkspace(input: SyncWorkspaceInput): Promise<Counters> {
  const { workflowId } = workflowInfo();
  const scope: SyncScope = { ...input, runId: workflowId };
  return withRun({ ...scope, workflowId, kind: 'sync' }, async () => {
    const streams = input.streams ?? (await resolveRunStreams(input.connectionId));
    const counters = await syncWorkspaceWindow(
      { ...scope, streams },
      { concurrency: input.concurrency ?? 4 },
    );
    if (input.runTransforms !== false) await transformation.runTransforms(input.connectionId);
    return counters;
  });
}
