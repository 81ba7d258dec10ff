// How many requests a backfill still has to make, estimated from what its reads cost so far: the
// requests per repository and per workspace-level read, times the repositories and windows left.
// The first window read also reads the streams without a window (commits, pipelines, re-lists),
// many times what a later window reads: its cost says nothing about later windows, which are
// estimated only once a repository of one has been read. Until then the estimate counts the
// first window alone (and says so). Pure: the workflow's progress query answers with it.

/** Requests spent on so many parts (repositories, or workspace-level reads). */
export interface Spent {
  parts: number;
  requests: number;
}

/** What reads cost so far, in the first window read and in the later ones. */
export interface WindowCosts {
  first: Spent;
  later: Spent;
}

export interface BackfillCosts {
  repository: WindowCosts;
  workspace: WindowCosts;
}

export interface RequestEstimate {
  requestsLeft: number;
  /**
   * 'measured': every window left, from reads of its kind; 'first window only': the rest of the
   * first window, later windows not measured yet (not counted).
   */
  basis: 'measured' | 'first window only';
}

export interface EstimateInput {
  /** Windows read, and so the position of the one being read (in reading order). */
  windowsDone: number;
  windowsTotal: number;
  windowsSkipped?: number;
  /** Repositories each window reads, in reading order (unknown until the first window listed them). */
  repositoriesPerWindow?: number[];
  currentWindow?: { repositoriesDone?: number; workspaceRead?: boolean };
  costs?: BackfillCosts;
}

export const NO_COSTS: BackfillCosts = {
  repository: { first: { parts: 0, requests: 0 }, later: { parts: 0, requests: 0 } },
  workspace: { first: { parts: 0, requests: 0 }, later: { parts: 0, requests: 0 } },
};

/** Adds one part's requests to the costs of its kind (returns new costs). */
export function spend(
  costs: BackfillCosts,
  kind: keyof BackfillCosts,
  firstWindow: boolean,
  requests: number,
): BackfillCosts {
  const which = firstWindow ? 'first' : 'later';
  const was = costs[kind][which];
  return {
    ...costs,
    [kind]: { ...costs[kind], [which]: { parts: was.parts + 1, requests: was.requests + requests } },
  };
}

const mean = (s: Spent) => (s.parts > 0 ? s.requests / s.parts : undefined);

/**
 * Undefined until there is a basis: the repository plan, and a repository read in a window of the
 * kind being read (the first, or a later one).
 */
export function estimateRequestsLeft(p: EstimateInput): RequestEstimate | undefined {
  const plan = p.repositoriesPerWindow;
  const costs = p.costs;
  if (!plan || !costs) return undefined;
  const toRead = p.windowsTotal - (p.windowsSkipped ?? 0);
  const perPart = (c: WindowCosts, firstWindow: boolean) => mean(firstWindow ? c.first : c.later);
  let left = 0;
  for (let i = p.windowsDone; i < toRead; i += 1) {
    const firstWindow = i === 0;
    const repository = perPart(costs.repository, firstWindow);
    const inWindow = i === p.windowsDone ? p.currentWindow : undefined;
    const repositories = Math.max(0, (plan[i] ?? 0) - (inWindow?.repositoriesDone ?? 0));
    if (repositories > 0 && repository === undefined) {
      // Later windows not measured yet, while the first is being read: its rest alone.
      if (i > 0 && p.windowsDone === 0) return { requestsLeft: Math.round(left), basis: 'first window only' };
      return undefined;
    }
    left += repositories * (repository ?? 0);
    if (!inWindow?.workspaceRead) left += perPart(costs.workspace, firstWindow) ?? 0;
  }
  return { requestsLeft: Math.round(left), basis: 'measured' };
}
