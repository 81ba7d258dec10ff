// One repository's streams, one long activity each, then the children of what changed.
// A stream that fails for want of a scope, with a bad payload or with a 404 of its own is recorded
// and skipped; the repository is tombstoned only when a read of the repository itself answers 404
// or 410; an AUTH failure stops everything.

import { patched } from '@temporalio/workflow';
import {
  addCounters,
  type Counters,
  REPOSITORY_STREAMS,
  type RepoScope,
  WINDOWED_STREAMS,
  ZERO,
} from '../activities/contracts';
import { bookkeeping, extraction } from './activityProxies';
import { failureKind, failureMessage } from './failures';

export async function syncRepository(scope: RepoScope): Promise<Counters> {
  let total = ZERO;
  const streams = REPOSITORY_STREAMS.filter((s) => scope.includeUnwindowed || WINDOWED_STREAMS.includes(s));
  const steps: Array<[string, () => Promise<Counters>]> = [
    ...streams.map(
      (s) => [s, () => extraction.extractRepositoryStream(scope, s)] as [string, () => Promise<Counters>],
    ),
    ['pr_children', () => extraction.extractPullRequestChildren(scope)],
    ...(scope.includeUnwindowed
      ? [
          ['pipeline_steps', () => extraction.extractPipelineSteps(scope)] as [
            string,
            () => Promise<Counters>,
          ],
        ]
      : []),
  ];
  for (const [stream, run] of steps) {
    try {
      total = addCounters(total, await run());
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
      await bookkeeping.recordStreamError(scope, stream, kind, failureMessage(err));
      total = addCounters(total, { ...ZERO, errors: 1 });
    }
  }
  return total;
}
