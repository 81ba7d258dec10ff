// One window of one workspace: workspace-level streams, then every repository, then transforms.
import { workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, type SyncScope } from '../activities/contracts';
import { extraction, transformation } from './activityProxies';
import { type FanOutOptions, syncRepositories } from './fanOut';
import { withRun } from './runLedger';

export interface SyncWorkspaceInput extends Omit<SyncScope, 'runId'> {
  concurrency?: number;
  runTransforms?: boolean;
}

/** The shared body of every kind of sync; `fanOut` carries progress and pause hooks. */
export async function syncWorkspaceWindow(scope: SyncScope, fanOut: FanOutOptions): Promise<Counters> {
  const level = await extraction.syncWorkspaceLevel(scope);
  fanOut.onProgress?.(level.counters);
  const repos = await syncRepositories(scope, level.workspaceUuid, level.repositoryCount, fanOut);
  return addCounters(level.counters, repos);
}

export async function syncWorkspace(input: SyncWorkspaceInput): Promise<Counters> {
  const { workflowId } = workflowInfo();
  const scope: SyncScope = { ...input, runId: workflowId };
  return withRun({ ...scope, workflowId, kind: 'sync' }, async () => {
    const counters = await syncWorkspaceWindow(scope, { concurrency: input.concurrency ?? 4 });
    if (input.runTransforms !== false) await transformation.runTransforms(input.connectionId);
    return counters;
  });
}
