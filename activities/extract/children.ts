// The child lists of a repository's pull requests and pipelines, one activity per step of the
// crawl plan: every parent in key order, resumable after the last parent checkpointed.
import { isBitbucketError } from '../../bitbucket/errors';
import type { ParentRef, StreamName } from '../../bitbucket/streams/catalog';
import { iterateStream } from '../../bitbucket/streams/iterate';
import { PARENT_STREAM, planStep } from '../../bitbucket/streams/plan';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { type RawSelection, selectRaw } from '../../warehouse/rawQueries';
import type { Counters, RepoScope } from '../contracts';
import type { ActivityDeps } from '../deps';
import { classified, recordSkippedStream } from '../failures';
import { type Extraction, forEachParent, loadPages, newBatch, startExtraction } from './pages';
import { repoParent, repositoryAnswers } from './repository';

/**
 * Runs the read of one child list; a 404 or 410 from it skips that list alone, recorded with its
 * parent, while the repository answers (asked once per activity). When the repository is gone
 * too, the error goes up and the workflow tombstones it.
 */
function childListGuard(x: Extraction, scope: RepoScope) {
  let repositoryThere: Promise<boolean> | undefined;
  return async <T>(stream: StreamName, parentKey: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (!isBitbucketError(err, 'NOT_FOUND') && !isBitbucketError(err, 'GONE')) throw err;
      repositoryThere ??= repositoryAnswers(x, scope);
      if (!(await repositoryThere)) throw err;
      const { connectionId, runId } = scope;
      const skip = { connectionId, runId, stream, kind: err.kind, message: err.message, parentKey };
      await recordSkippedStream(x.deps, skip, { repository: scope.repository.slug });
      x.tally.add(0, 0, 1);
      return undefined;
    }
  };
}

/**
 * Reads the child lists of the repository's `parents` (in key order), gathered in one batch,
 * checkpointed under `checkpoint` after each parent, each list behind the 404 guard.
 */
async function extractChildren(
  deps: ActivityDeps,
  scope: RepoScope,
  parents: Omit<RawSelection, 'connectionId' | 'parentKey'>,
  checkpoint: { stream: string; scopeKey: string },
  each: (parent: Record<string, string | null>, read: ChildRead) => Promise<void>,
): Promise<Counters> {
  return classified(deps, scope.connectionId, async () => {
    const x = await startExtraction(deps, scope.connectionId);
    const rows = await selectRaw(deps.db, {
      ...parents,
      connectionId: scope.connectionId,
      parentKey: scope.repository.uuid,
    });
    const batch = newBatch(x, scope);
    const guard = childListGuard(x, scope);
    await forEachParent(x, scope, checkpoint, rows, batch, (parent) =>
      each(parent, (stream, ref, parentKey, scopeKey) =>
        guard(stream, parentKey, () =>
          loadPages(x, scope, iterateStream(x.client, stream, ref), { scopeKey, checkpoint: false }, batch),
        ),
      ),
    );
    return x.tally.counters;
  });
}

/** Reads one child list into the shared batch; its keys, or undefined when its 404 skipped it. */
type ChildRead = (
  stream: StreamName,
  ref: ParentRef,
  parentKey: string,
  scopeKey: string,
) => Promise<string[] | undefined>;

/** Activity, comments, commits and tasks of every pull request that changed in this window. */
export async function extractPullRequestChildren(deps: ActivityDeps, scope: RepoScope): Promise<Counters> {
  const parents = {
    stream: PARENT_STREAM.pullrequest,
    updatedFrom: scope.since,
    updatedBefore: scope.until,
    columns: { id: ['id'] },
  };
  const checkpoint = { stream: 'pullrequests', scopeKey: `children:${scope.repository.uuid}` };
  return extractChildren(deps, scope, parents, checkpoint, async (pr, read) => {
    const prKey = pr.record_key as string;
    const parent = { ...repoParent(scope), pullRequestId: Number(pr.id) };
    for (const stream of planStep('pr_children').streams) {
      const keys = await read(stream, parent, prKey, prKey);
      // A list that answered 404 is skipped: what it held stays.
      if (!keys) continue;
      // Before the batch is written: it tombstones only what was stored and is gone now.
      await markDeleted(deps.db, {
        stream,
        connectionId: scope.connectionId,
        parentKey: prKey,
        keep: keys,
        runId: scope.runId,
      });
    }
  });
}

/** Steps of every pipeline this run loaded or changed. */
export async function extractPipelineSteps(deps: ActivityDeps, scope: RepoScope): Promise<Counters> {
  const parents = { stream: PARENT_STREAM.pipeline, runId: scope.runId };
  const checkpoint = { stream: 'pipelines', scopeKey: `steps:${scope.repository.uuid}` };
  return extractChildren(deps, scope, parents, checkpoint, async (pipeline, read) => {
    const pipelineUuid = pipeline.record_key as string;
    const parent = { ...repoParent(scope), pipelineUuid };
    for (const stream of planStep('pipeline_steps').streams)
      await read(stream, parent, `${scope.repository.uuid}:${pipelineUuid}`, '');
  });
}
