// Runs syncRepository as a child workflow for every repository of a workspace, a few at a time.
// Repository refs are read in pages from the warehouse so no payload grows with the workspace. A
// repository created after the window ends has nothing in it and is not read.
import { condition, executeChild, workflowInfo } from '@temporalio/workflow';
import {
  addCounters,
  type Counters,
  existedBefore,
  type RepoRef,
  type SyncScope,
  ZERO,
} from '../activities/contracts';
import { bookkeeping } from './activityProxies';
import { syncRepository } from './syncRepository';

export interface FanOutOptions {
  concurrency: number;
  /** Called with the counters of each finished part: the workspace level, then each repository. */
  onProgress?: (counters: Counters, repository?: RepoRef) => void;
  /** Resolves true while work may start (pause support). */
  mayStart?: () => boolean;
  /** Called once the workspace's repositories are listed, before the first one is read. */
  beforeRepositories?: (workspaceUuid: string) => Promise<void>;
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
  await options.beforeRepositories?.(workspaceUuid);
  while (offset < repositoryCount) {
    const page = await bookkeeping.repositoryPage(scope.connectionId, workspaceUuid, offset, pageSize);
    offset += pageSize;
    if (page.length === 0) break;
    // Replay-safe: pages recorded before created_on was listed have none, and every repository is read.
    const queue = page.filter((r) => existedBefore(r.createdOn, scope.until));
    const worker = async () => {
      for (let listed = queue.shift(); listed; listed = queue.shift()) {
        const repo: RepoRef = { slug: listed.slug, uuid: listed.uuid };
        if (options.mayStart) await condition(options.mayStart);
        const counters = await executeChild(syncRepository, {
          workflowId: `${workflowInfo().workflowId}:${repo.uuid}:${scope.since ?? 'start'}`,
          args: [{ ...scope, workspaceUuid, repository: repo }],
        });
        total = addCounters(total, counters);
        options.onProgress?.(counters, repo);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  }
  return total;
}
