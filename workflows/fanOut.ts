// Runs syncRepository as a child workflow for every repository of a workspace, a few at a time.
// Repository refs are read in pages from the warehouse so no payload grows with the workspace.
import { condition, executeChild, workflowInfo } from '@temporalio/workflow';
import { addCounters, type Counters, type RepoRef, type SyncScope, ZERO } from '../activities/contracts';
import { bookkeeping } from './activityProxies';
import { syncRepository } from './syncRepository';

export interface FanOutOptions {
  concurrency: number;
  /** Called with the counters of each finished part: the workspace level, then each repository. */
  onProgress?: (counters: Counters, repository?: RepoRef) => void;
  /** Resolves true while work may start (pause support). */
  mayStart?: () => boolean;
}

export async function syncRepositories(
  scope: SyncScope,
  workspaceUuid: string,
  repositoryCount: number,
  options: FanOutOptions,
): Promise<Counters> {
  let total = ZERO;
  let offset = 0;
  const pageSize = 50;
  while (offset < repositoryCount) {
    const repos = await bookkeeping.repositoryPage(scope.connectionId, workspaceUuid, offset, pageSize);
    offset += pageSize;
    if (repos.length === 0) break;
    const queue = [...repos];
    const worker = async () => {
      for (let repo = queue.shift(); repo; repo = queue.shift()) {
        if (options.mayStart) await condition(options.mayStart);
        const counters = await executeChild(syncRepository, {
          workflowId: `${workflowInfo().workflowId}:${repo.uuid}:${scope.since ?? 'start'}`,
          args: [{ ...scope, workspaceUuid, repository: repo }],
        });
        total = addCounters(total, counters);
        options.onProgress?.(counters, repo);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, repos.length) }, worker));
  }
  return total;
}
