// A repository's own lists, one activity each, read as the crawl plan says: re-listed, or resumable
// from the checkpointed cursor (keyset window, newest first).
import { isBitbucketError } from '../../bitbucket/errors';
import type { ParentRef } from '../../bitbucket/streams/catalog';
import { fetchPipelines, iterateStream } from '../../bitbucket/streams/iterate';
import { planStep, type RepositoryStream } from '../../bitbucket/streams/plan';
import { existingKeys } from '../../warehouse/raw/reconcile';
import { selectRaw } from '../../warehouse/rawQueries';
import type { Counters, RepoScope } from '../contracts';
import type { ActivityDeps } from '../deps';
import { classified } from '../failures';
import { type Extraction, loadPages, newBatch, readCheckpoint, relist, startExtraction } from './pages';

export function repoParent(scope: RepoScope): ParentRef {
  return {
    workspace: scope.workspace,
    workspaceUuid: scope.workspaceUuid,
    repository: scope.repository.slug,
    repositoryUuid: scope.repository.uuid,
  };
}

/**
 * Whether the repository itself is still there, read by uuid: the one answer that may tombstone
 * it (a 404 from one of its lists is that list's). One small request, made only after a 404.
 */
export async function repositoryAnswers(x: Pick<Extraction, 'client'>, scope: RepoScope): Promise<boolean> {
  const ws = encodeURIComponent(scope.workspaceUuid);
  try {
    await x.client.get(`/repositories/${ws}/${encodeURIComponent(scope.repository.uuid)}`, {
      fields: 'uuid',
    });
    return true;
  } catch (err) {
    if (isBitbucketError(err, 'NOT_FOUND') || isBitbucketError(err, 'GONE')) return false;
    throw err;
  }
}

/** Whether the repository itself still answers (read by uuid): false tombstones it. */
export async function repositoryExists(deps: ActivityDeps, scope: RepoScope): Promise<boolean> {
  return classified(deps, scope.connectionId, async () =>
    repositoryAnswers({ client: await deps.clientFor(scope.connectionId) }, scope),
  );
}

/** Runs that were not finished last time: read again by uuid, whatever their age. */
async function repollUnfinishedPipelines(x: Extraction, scope: RepoScope): Promise<void> {
  const unfinished = await selectRaw(x.deps.db, {
    stream: 'pipelines',
    connectionId: scope.connectionId,
    parentKey: scope.repository.uuid,
    notEqual: { path: ['state', 'name'], value: 'COMPLETED' },
  });
  const page = await fetchPipelines(
    x.client,
    repoParent(scope),
    unfinished.map((r) => r.record_key as string),
  );
  const batch = newBatch(x, scope);
  batch.add(page);
  await batch.flush();
}

/** One repository-level stream, resumable from its checkpointed cursor. */
export async function extractRepositoryStream(
  deps: ActivityDeps,
  scope: RepoScope,
  stream: RepositoryStream,
): Promise<Counters> {
  return classified(deps, scope.connectionId, async () => {
    const x = await startExtraction(deps, scope.connectionId);
    const parent = repoParent(scope);
    const repoKey = scope.repository.uuid;
    const { read } = planStep(stream);
    if (read === 'relist') {
      await relist(x, scope, stream, parent, repoKey);
      return x.tally.counters;
    }
    const resume = await readCheckpoint(x, scope, stream, repoKey);
    const window =
      read === 'keysetWindow'
        ? { since: scope.since, until: scope.until }
        : read === 'newestSinceWindow'
          ? { since: scope.historySince ?? scope.since }
          : {};
    const known =
      read === 'newestUntilSeen'
        ? (keys: string[]) => existingKeys(deps.db, stream, scope.connectionId, keys)
        : undefined;
    if (read === 'newestSinceWindow' && !resume) await repollUnfinishedPipelines(x, scope);
    const pages = iterateStream(x.client, stream, parent, { ...window, cursor: resume?.cursor, known });
    await loadPages(x, scope, pages, { scopeKey: repoKey, checkpoint: true });
    return x.tally.counters;
  });
}
