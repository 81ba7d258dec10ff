// A repository's own lists, one activity each, read as the crawl plan says: re-listed, or resumable
// from the checkpointed cursor (keyset window, newest first).
import { isBitbucketError } from '../../bitbucket/errors';
import type { ParentRef } from '../../bitbucket/streams/catalog';
import { type Cursor, fetchByUuid, iterateStream, type Page } from '../../bitbucket/streams/iterate';
import { planStep, type RepositoryStream } from '../../bitbucket/streams/plan';
import { compareIso } from '../../bitbucket/streams/time';
import { existingKeys } from '../../warehouse/raw/reconcile';
import { readState, writeState } from '../../warehouse/raw/state';
import { depthsInParent, selectRaw, unreferenced } from '../../warehouse/rawQueries';
import type { Counters, RepoScope } from '../contracts';
import type { ActivityDeps } from '../deps';
import { classified, recordSkippedStream } from '../failures';
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
    await x.client.get(
      `/repositories/${ws}/${encodeURIComponent(scope.repository.uuid)}`,
      { fields: 'uuid' },
      { stream: 'repositories' },
    );
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

/** Pipelines and deployments served per page (the lists' largest). */
const RUN_PAGE = 100;

type Unfinished = { record_key: string; depth: number; at: string | null };

/**
 * Of the records unfinished last time (shallowest first, with their depth in the newest-first
 * list), how many are worth reaching by paging: paging to the k-th costs its depth in pages, and
 * the deeper ones cost what `leftCost` says (by default one request each, read by uuid); the
 * cheapest k wins (0: the first page only).
 */
function pagedReach(
  unfinished: readonly Unfinished[],
  leftCost: (left: readonly Unfinished[]) => number = (left) => left.length,
): number {
  let best = { cost: 1 + leftCost(unfinished), reach: 0 };
  unfinished.forEach((record, i) => {
    const pages = Math.max(1, Math.ceil((record.depth + 1) / RUN_PAGE));
    const cost = pages + leftCost(unfinished.slice(i + 1));
    if (cost < best.cost && record.at) best = { cost, reach: i + 1 };
  });
  return best.reach;
}

/**
 * Pipelines, newest first by created_on down to the window (a page reaching a run older than it
 * ends the walk), and the runs unfinished last time: those the list reaches come again with it.
 * It pages on past the window as deep as costs least (the stored list says how deep each run
 * is); the runs it does not reach are read by uuid.
 */
async function readPipelines(
  x: Extraction,
  scope: RepoScope,
  since: string | undefined,
  resume: Cursor | null | undefined,
): Promise<void> {
  const unfinished = await depthsInParent(
    x.deps.db,
    {
      stream: 'pipelines',
      connectionId: scope.connectionId,
      parentKey: scope.repository.uuid,
      notEqual: { path: ['state', 'name'], value: 'COMPLETED' },
    },
    ['created_on'],
  );
  // (Fewer than two runs left unfinished: none can come from the filtered list.)
  const halted = unfinished.length >= 2 ? await storedHalted(x, scope) : new Set<string>();
  // Runs left past the walk: halted ones come from the filtered list (readHalted) when two or
  // more are left, a request per 100; the others by uuid.
  const leftCost = (left: readonly Unfinished[]) => {
    const h = left.filter((r) => halted.has(r.record_key)).length;
    return left.length - h + (h >= 2 ? Math.ceil(h / RUN_PAGE) : h);
  };
  const target = unfinished[pagedReach(unfinished, leftCost) - 1]?.at ?? undefined;
  let reached: string | undefined;
  let listEnded = false;
  const notReached = () =>
    listEnded ? [] : unfinished.filter((r) => !reached || !r.at || compareIso(r.at, reached) < 0);
  // Whether everything read so far came newest first: only then does one run older than the
  // window say the rest is older too (a list in another order is read whole).
  let ordered = true;
  let previous: string | undefined;
  async function* pages(): AsyncGenerator<Page> {
    for await (const page of iterateStream(x.client, 'pipelines', repoParent(scope), { cursor: resume })) {
      const created = page.records.map((r) => (r.payload as { created_on?: unknown }).created_on);
      for (const c of created) {
        if (typeof c !== 'string' || (previous !== undefined && compareIso(c, previous) > 0)) ordered = false;
        else previous = c;
        if (typeof c === 'string' && (!reached || compareIso(c, reached) < 0)) reached = c;
      }
      const beforeWindow =
        since !== undefined && ordered && previous !== undefined && compareIso(previous, since) < 0;
      listEnded = page.cursor === null;
      const pastTarget = !target || (reached !== undefined && compareIso(reached, target) < 0);
      const done = beforeWindow && pastTarget;
      yield done ? { ...page, cursor: null } : page;
      if (done) return;
    }
  }
  await loadPages(x, scope, pages(), { scopeKey: scope.repository.uuid, checkpoint: true });
  const listed = await readHalted(
    x,
    scope,
    notReached()
      .map((r) => r.record_key)
      .filter((key) => halted.has(key)),
  );
  const page = await fetchByUuid(
    x.client,
    'pipelines',
    repoParent(scope),
    notReached()
      .map((r) => r.record_key)
      .filter((key) => !listed.has(key)),
  );
  const batch = newBatch(x, scope);
  batch.add(page);
  await batch.flush();
}

/** A run's state as `name/stage` (or `name/result`): `IN_PROGRESS/HALTED` waits at a manual step. */
const runState = (payload: unknown) => {
  const state = (payload as { state?: { name?: unknown; stage?: { name?: unknown } } }).state;
  return `${state?.name}/${state?.stage?.name}`;
};
const HALTED = 'IN_PROGRESS/HALTED';

/** The repository's runs stored halted at a manual step (`IN_PROGRESS/HALTED`) last time. */
async function storedHalted(x: Extraction, scope: RepoScope): Promise<Set<string>> {
  const stored = await selectRaw(x.deps.db, {
    stream: 'pipelines',
    connectionId: scope.connectionId,
    parentKey: scope.repository.uuid,
    notEqual: { path: ['state', 'name'], value: 'COMPLETED' },
    columns: { name: ['state', 'name'], stage: ['state', 'stage', 'name'] },
  });
  return new Set(stored.filter((r) => `${r.name}/${r.stage}` === HALTED).map((r) => String(r.record_key)));
}

/**
 * Runs halted at a manual step can wait there for months, each costing a request per sync when
 * read by uuid. When two or more `halted` runs (halted last time) are left, the list filtered by
 * `status=HALTED` is read instead: one page holds up to 100, and a run it lists comes with it,
 * whatever it is now. It is read only while it answers as expected (every run on it halted) and
 * while a page costs less than the runs it may still save; a 400 means the filter is not there.
 * Returns the runs it listed; the rest are read by uuid.
 */
async function readHalted(x: Extraction, scope: RepoScope, halted: readonly string[]): Promise<Set<string>> {
  const listed = new Set<string>();
  if (halted.length < 2) return listed;
  let pages = 0;
  async function* filtered(): AsyncGenerator<Page> {
    const read = iterateStream(x.client, 'pipelines', repoParent(scope), { filter: { status: 'HALTED' } });
    for await (const page of read) {
      pages += 1;
      for (const r of page.records) listed.add(r.key);
      const asExpected = page.records.every((r) => runState(r.payload) === HALTED);
      const worthMore = halted.filter((key) => !listed.has(key)).length > 1;
      const done = !asExpected || !worthMore || pages >= halted.length - 1;
      yield done ? { ...page, cursor: null } : page;
      if (done) return;
    }
  }
  try {
    await loadPages(x, scope, filtered(), { scopeKey: scope.repository.uuid, checkpoint: false });
  } catch (err) {
    if (!isBitbucketError(err, 'BAD_REQUEST')) throw err;
    // (What it listed was not written: every run left is read by uuid.)
    listed.clear();
    x.deps.log.warn(
      { connectionId: scope.connectionId, repository: scope.repository.slug, stream: 'pipelines' },
      `${err.message} (the pipelines list filtered by status; halted runs are read one by one)`,
    );
  }
  return listed;
}

/**
 * Deployments, newest first (they have no documented filter or sort). New ones come first, so the
 * walk has passed them at a page holding one stored before. Those stored unfinished (an UNDEPLOYED
 * one waits at its manual step, at any depth, and may be triggered any day) come again with the
 * list while paging to them costs less than reading them by uuid, and are read by uuid past that.
 * A finished deployment does not change. The walk only stops while what it read is in newest-first
 * order (by release.created_on); a list in any other order is read whole, as is a first read.
 */
async function readDeployments(x: Extraction, scope: RepoScope, resume: Cursor | null | undefined) {
  const stream = 'deployments';
  const { db } = x.deps;
  const unfinished = await depthsInParent(
    db,
    {
      stream,
      connectionId: scope.connectionId,
      parentKey: scope.repository.uuid,
      notEqual: { path: ['state', 'name'], value: 'COMPLETED' },
    },
    ['release', 'created_on'],
  );
  const toReach = new Set(unfinished.slice(0, pagedReach(unfinished)).map((r) => r.record_key));
  const listed = new Set<string>();
  async function* pages(): AsyncGenerator<Page> {
    let previous: string | undefined;
    let ordered = true;
    for await (const page of iterateStream(x.client, stream, repoParent(scope), { cursor: resume })) {
      for (const r of page.records) {
        listed.add(r.key);
        toReach.delete(r.key);
        const created = (r.payload as { release?: { created_on?: unknown } }).release?.created_on;
        if (typeof created !== 'string') ordered = false;
        else if (previous !== undefined && compareIso(created, previous) > 0) ordered = false;
        else previous = created;
      }
      const done =
        ordered &&
        toReach.size === 0 &&
        (
          await existingKeys(
            db,
            stream,
            scope.connectionId,
            page.records.map((r) => r.key),
          )
        ).size > 0;
      yield done ? { ...page, cursor: null } : page;
      if (done) return;
    }
  }
  await loadPages(x, scope, pages(), { scopeKey: scope.repository.uuid, checkpoint: true });
  const left = unfinished.map((r) => r.record_key).filter((key) => !listed.has(key));
  const batch = newBatch(x, scope);
  batch.add(await fetchByUuid(x.client, stream, repoParent(scope), left));
  await batch.flush();
}

/** How many tips of the stored commits a read excludes (their hashes fill about 1.5 kB of URL). */
const EXCLUDED_TIPS = 30;

/**
 * New commits: the list with every stored tip excluded (`exclude=<hash>`, as `git log --all
 * ^tip…` in Atlassian's description of the list), which is what is not stored yet, whatever its
 * date, read whole. A tip not excluded (past the newest 30) only brings its branch's own commits
 * again. Without stored commits, or when the list refuses the filter (400, or 404 for a tip it
 * no longer has), it is read newest first down to a page of commits all stored.
 */
async function readNewCommits(x: Extraction, scope: RepoScope, resume: Cursor | null | undefined) {
  const stream = 'commits';
  const options = { scopeKey: scope.repository.uuid, checkpoint: true };
  const known = (keys: string[]) => existingKeys(x.deps.db, stream, scope.connectionId, keys);
  const resumesExcluded = resume?.kind === 'next' && new URL(resume.url).searchParams.has('exclude');
  const tips =
    resume || scope.readEveryList
      ? []
      : await unreferenced(
          x.deps.db,
          { stream, connectionId: scope.connectionId, parentKey: scope.repository.uuid },
          { id: ['hash'], array: ['parents'], key: 'hash' },
          EXCLUDED_TIPS,
        );
  if (tips.length > 0 || resumesExcluded) {
    const filter = tips.length > 0 ? { exclude: tips } : undefined;
    try {
      await loadPages(
        x,
        scope,
        iterateStream(x.client, stream, repoParent(scope), { cursor: resume, filter }),
        options,
      );
      return;
    } catch (err) {
      if (!isBitbucketError(err, 'BAD_REQUEST') && !isBitbucketError(err, 'NOT_FOUND')) throw err;
      const message = `${err.message} (the commits list without the stored tips; read newest first instead)`;
      const { connectionId, runId } = scope;
      const skip = { connectionId, runId, stream, kind: err.kind, message, parentKey: scope.repository.uuid };
      await recordSkippedStream(x.deps, skip, { repository: scope.repository.slug });
    }
  }
  const cursor = resumesExcluded ? undefined : resume;
  await loadPages(x, scope, iterateStream(x.client, stream, repoParent(scope), { cursor, known }), options);
}

/** Where a repository's environments list is marked read (it may be read and hold none). */
const environmentsRead = (scope: RepoScope) => ({
  stream: 'environments',
  scopeKey: `read:${scope.repository.uuid}`,
});

/**
 * Whether the environments list is worth a request: never read for this repository, or a
 * deployment this run wrote names an environment not stored (by uuid; by name when it gives no
 * uuid) or stored under another name. A new environment is seen with its first deployment, a
 * rename with the next; one never deployed to waits for a full re-read (README, "What is read").
 */
async function environmentsNamedAnew(deps: ActivityDeps, scope: RepoScope): Promise<boolean> {
  if (scope.readEveryList) return true;
  const mark = environmentsRead(scope);
  if ((await readState(deps.db, scope.connectionId, mark.stream, mark.scopeKey)).cursor === undefined)
    return true;
  const selection = { connectionId: scope.connectionId, parentKey: scope.repository.uuid };
  const named = await selectRaw(deps.db, {
    ...selection,
    stream: 'deployments',
    runId: scope.runId,
    columns: { uuid: ['environment', 'uuid'], name: ['environment', 'name'] },
  });
  if (named.length === 0) return false;
  const stored = await selectRaw(deps.db, {
    ...selection,
    stream: 'environments',
    columns: { name: ['name'] },
  });
  const nameOf = new Map(stored.map((e) => [e.record_key, e.name]));
  const names = new Set(stored.map((e) => e.name));
  return named.some(({ uuid, name }) =>
    uuid ? !nameOf.has(uuid) || (!!name && nameOf.get(uuid) !== name) : !!name && !names.has(name),
  );
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
    if (read === 'relistWhenNamed') {
      if (!(await environmentsNamedAnew(deps, scope))) return x.tally.counters;
      await relist(x, scope, stream, parent, repoKey);
      await writeState(deps.db, {
        connectionId: scope.connectionId,
        ...environmentsRead(scope),
        cursor: { runId: scope.runId },
      });
      return x.tally.counters;
    }
    const resume = await readCheckpoint(x, scope, stream, repoKey);
    if (read === 'newestSinceWindow') {
      await readPipelines(x, scope, scope.historySince ?? scope.since, resume?.cursor);
      return x.tally.counters;
    }
    if (read === 'newestToUnfinished') {
      await readDeployments(x, scope, resume?.cursor);
      return x.tally.counters;
    }
    if (read === 'unreachedFromStored') {
      await readNewCommits(x, scope, resume?.cursor);
      return x.tally.counters;
    }
    const window = read === 'keysetWindow' ? { since: scope.since, until: scope.until } : {};
    const pages = iterateStream(x.client, stream, parent, { ...window, cursor: resume?.cursor });
    await loadPages(x, scope, pages, { scopeKey: repoKey, checkpoint: true });
    return x.tally.counters;
  });
}
