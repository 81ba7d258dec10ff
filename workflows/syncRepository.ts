// One repository's steps of the crawl plan, one long activity each: its streams, then the
// children of what changed.
// A stream that fails for want of a scope, with a bad payload or with a 404 of its own is recorded
// and skipped; the repository is tombstoned only when a read of the repository itself answers 404
// or 410; an AUTH failure stops everything.

import { patched } from '@temporalio/workflow';
import { addCounters, type Counters, type RepoScope, ZERO } from '../activities/contracts';
import {
  PLANNED_STREAMS,
  type RepositoryStep,
  repositorySteps,
  scopeStreams,
} from '../bitbucket/streams/plan';
import { bookkeeping, extraction } from './activityProxies';
import { failureKind, failureMessage } from './failures';

/** The activity that reads one step of the plan for a repository. */
function readStep(scope: RepoScope, step: RepositoryStep): Promise<Counters> {
  switch (step.level) {
    case 'repository':
      return extraction.extractRepositoryStream(scope, step.streams[0]);
    case 'pullrequest':
      return extraction.extractPullRequestChildren(scope);
    case 'pipeline':
      return extraction.extractPipelineSteps(scope);
  }
}

export async function syncRepository(scope: RepoScope): Promise<Counters> {
  let total = ZERO;
  // Steps whose streams are all off are not run. Patched: a run started before streams could be
  // turned off replays every step it had.
  const streams = patched('steps-of-enabled-streams') ? scopeStreams(scope) : PLANNED_STREAMS;
  for (const step of repositorySteps(scope.includeUnwindowed, streams)) {
    try {
      total = addCounters(total, await readStep(scope, step));
    } catch (err) {
      const kind = failureKind(err);
      if (kind === 'NOT_FOUND' || kind === 'GONE') {
        // A 404 from one list is that list's: the repository is gone only when it says so itself.
        // Patched: a run started before this check existed replays its tombstone as it was.
        if (!patched('list-404-is-local') || !(await extraction.repositoryExists(scope))) {
          await bookkeeping.tombstoneRepository(scope);
          return total;
        }
      } else if (kind !== 'FORBIDDEN' && kind !== 'BAD_PAYLOAD' && kind !== 'BAD_REQUEST') throw err;
      await bookkeeping.recordStreamError(scope, step.name, kind, failureMessage(err));
      total = addCounters(total, { ...ZERO, errors: 1 });
    }
  }
  return total;
}
