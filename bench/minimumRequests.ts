// The fewest requests that can read a given extraction of the streams that are on: every list read
// once at its maximum pagelen (Σ over parents of max(1, ⌈records / pagelen⌉)), an unpaged API 1.0
// resource once per parent, plus GET /workspaces/{ws} once per workspace.
import { type ParentKind, STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { PARENT_STREAM } from '../bitbucket/streams/plan';

/** Per stream: how many records each parent's list held (key: the parent's key, null for none). */
export type ListSizes = Map<StreamName, Map<string | null, number>>;

function total(sizes: Map<string | null, number> | undefined): number {
  return [...(sizes?.values() ?? [])].reduce((a, b) => a + b, 0);
}

export function minimumRequests(
  workspaceCount: number,
  lists: ListSizes,
  streams: readonly StreamName[],
): number {
  const parentsOf = (kind: ParentKind): number => {
    if (kind === 'root') return 1;
    if (kind === 'workspace') return workspaceCount;
    return total(lists.get(PARENT_STREAM[kind]));
  };
  let minimum = workspaceCount;
  for (const name of streams) {
    const def = STREAMS[name];
    const parents = parentsOf(def.parent);
    if (def.legacy) {
      minimum += parents;
      continue;
    }
    const perParent = lists.get(name) ?? new Map();
    const pages = [...perParent.values()].reduce((sum, n) => sum + Math.ceil(n / def.maxPagelen), 0);
    // Parents whose list came back empty still cost one request each.
    minimum += pages + Math.max(0, parents - perParent.size);
  }
  return minimum;
}
