// Runs syncRepository as a child workflow for every repository of a workspace, a few at a time.
// Repository refs are read in pages from the warehouse so no payload grows with the workspace. A
// repository created after the window ends has nothing in it and is not read.
//
// Each repository adds a few events to the calling workflow's history, so a workspace of
// thousands would outgrow Temporal's history limits: between pages, once this run has started
// `repositoriesPerRun` repositories (or the server suggests it), the fan-out stops and says where
// it stopped; its caller continues as new from there.
import { condition, executeChild, patched, workflowInfo } from '@temporalio/workflow';
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

/** Repositories one workflow run starts before it continues as new: about 7 history events each. */
export const REPOSITORIES_PER_RUN = 500;
const PAGE_SIZE = 50;

export interface FanOutOptions {
  concurrency: number;
  /** Called with the counters of each finished part: the workspace level, then each repository. */
  onProgress?: (counters: Counters, repository?: RepoRef) => void;
  /** Resolves true while work may start (pause support). */
  mayStart?: () => boolean;
  /** Called once the workspace's repositories are listed, before the first one is read. */
  beforeRepositories?: (workspaceUuid: string) => Promise<void>;
  /** Repositories this run may start before it hands over to the next (default REPOSITORIES_PER_RUN). */
  repositoriesPerRun?: number;
}

/** Where a window's reading stopped for continue-as-new: its workspace level is read. */
export interface WindowResume {
  workspaceUuid: string;
  repositoryCount: number;
  /** The offset of the first page of the repository list not read yet. */
  offset: number;
}

export interface FanOutResult {
  counters: Counters;
  /** Set when the run stopped before the last page, to continue as new from here. */
  resumeAt?: WindowResume;
}

export async function syncRepositories(
  scope: SyncScope,
  from: WindowResume,
  options: FanOutOptions,
): Promise<FanOutResult> {
  let total = ZERO;
  let offset = from.offset;
  let started = 0;
  // Patched: runs started before the hand-over replay without it.
  const handsOver = patched('fan-out-continues-as-new');
  const perRun = Math.max(1, Math.floor(options.repositoriesPerRun ?? REPOSITORIES_PER_RUN));
  const pageSize = handsOver ? Math.min(PAGE_SIZE, perRun) : PAGE_SIZE;
  if (offset === 0) await options.beforeRepositories?.(from.workspaceUuid);
  while (offset < from.repositoryCount) {
    if (handsOver && started > 0 && (started >= perRun || workflowInfo().continueAsNewSuggested)) {
      return { counters: total, resumeAt: { ...from, offset } };
    }
    const page = await bookkeeping.repositoryPage(scope.connectionId, from.workspaceUuid, offset, pageSize);
    offset += pageSize;
    if (page.length === 0) break;
    // Replay-safe: pages recorded before created_on was listed have none, and every repository is read.
    const queue = page.filter((r) => existedBefore(r.createdOn, scope.until));
    started += queue.length;
    const worker = async () => {
      for (let listed = queue.shift(); listed; listed = queue.shift()) {
        const repo: RepoRef = { slug: listed.slug, uuid: listed.uuid };
        if (options.mayStart) await condition(options.mayStart);
        const counters = await executeChild(syncRepository, {
          workflowId: `${workflowInfo().workflowId}:${repo.uuid}:${scope.since ?? 'start'}`,
          args: [{ ...scope, workspaceUuid: from.workspaceUuid, repository: repo }],
        });
        total = addCounters(total, counters);
        options.onProgress?.(counters, repo);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  }
  return { counters: total };
}
