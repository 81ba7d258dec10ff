// Every activity, bound to its dependencies. The worker registers the result of createActivities.
import { createBookkeepingActivities } from './bookkeeping';
import type { ActivityDeps } from './deps';
import { createExtractActivities } from './extract';

export function createActivities(deps: ActivityDeps) {
  return { ...createExtractActivities(deps), ...createBookkeepingActivities(deps) };
}

export type { ActivityDeps } from './deps';
