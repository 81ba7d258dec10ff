// The child lists of a repository's pull requests and pipelines, one activity per step of the
// crawl plan: every parent in key order, resumable after the last parent checkpointed.
import { type BitbucketError, isBitbucketError } from '../../bitbucket/errors';
import { type ParentRef, STREAMS, type StreamName } from '../../bitbucket/streams/catalog';
import { iterateStream, type Page, type StreamRecord } from '../../bitbucket/streams/iterate';
import { PARENT_STREAM, planStep, scopeStreams } from '../../bitbucket/streams/plan';
import { compareIso } from '../../bitbucket/streams/time';
import { existingKeys, markDeleted } from '../../warehouse/raw/reconcile';
import { readState, writeState } from '../../warehouse/raw/state';
import { latestExtraction, parentsOf, type RawSelection, selectRaw } from '../../warehouse/rawQueries';
import type { Counters, RepoScope } from '../contracts';
import type { ActivityDeps } from '../deps';
import { classified, recordSkippedStream } from '../failures';
import type { PageBatch } from '../pageBatch';
import {
  type Extraction,
  forEachParent,
  heartbeat,
  loadPages,
  newBatch,
  readCheckpoint,
  startExtraction,
  writeCheckpoint,
} from './pages';
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

/** A pull request whose lists this run reads: it changed (in the window) since they were last read. */
interface ChangedPullRequest {
  key: string;
  id: number;
  createdOn?: string;
  /** The counts the pull request gives of its child lists (undefined: absent or not a number). */
  counts: Partial<Record<StreamName, number>>;
  /** The head of its source branch as the pull request names it (Bitbucket sends 12 digits). */
  sourceHash?: string;
}

const CHILD_STREAMS = planStep('pr_children').streams;

/**
 * Where the repository's pull request lists were read up to: the newest pull request write they
 * covered, and which lists were read (turning one on reads it for every changed pull request).
 */
function readThroughState(scope: RepoScope) {
  return { stream: PARENT_STREAM.pullrequest, scopeKey: `children-read:${scope.repository.uuid}` };
}

/**
 * The pull requests of the window whose lists this run reads: those written (new or changed)
 * since the repository's lists were last read, all of them for a full re-read.
 */
async function changedPullRequests(
  x: Extraction,
  scope: RepoScope,
  streams: readonly StreamName[],
): Promise<{ changed: ChangedPullRequest[]; latest?: string }> {
  const state = readThroughState(scope);
  const read = await readState(x.deps.db, scope.connectionId, state.stream, state.scopeKey);
  const sameLists =
    JSON.stringify((read.cursor as { streams?: unknown } | undefined)?.streams) === JSON.stringify(streams);
  const window = {
    stream: PARENT_STREAM.pullrequest,
    connectionId: scope.connectionId,
    parentKey: scope.repository.uuid,
    updatedFrom: scope.since,
    updatedBefore: scope.until,
  };
  const after = !scope.readEveryList && sameLists ? read.watermark : undefined;
  const counted = CHILD_STREAMS.flatMap((s) => {
    const field = STREAMS[s].parentCount;
    return field ? [[s, field] as const] : [];
  });
  const rows = await selectRaw(x.deps.db, {
    ...window,
    extractedAfter: after,
    columns: {
      id: ['id'],
      created_on: ['created_on'],
      source_hash: ['source', 'commit', 'hash'],
      ...Object.fromEntries(counted.map(([, field]) => [field, [field]])),
    },
  });
  const changed = rows.flatMap((row) => {
    const id = Number(row.id);
    if (!Number.isSafeInteger(id)) return [];
    const counts = Object.fromEntries(
      counted.flatMap(([s, field]) => {
        const n = row[field] === null || row[field] === undefined ? Number.NaN : Number(row[field]);
        return Number.isInteger(n) && n >= 0 ? [[s, n]] : [];
      }),
    );
    const sourceHash = row.source_hash ?? undefined;
    return [
      { key: row.record_key as string, id, createdOn: row.created_on ?? undefined, counts, sourceHash },
    ];
  });
  return { changed, latest: await latestExtraction(x.deps.db, window) };
}

/**
 * The activity of the changed pull requests from the repository's own activity list (newest
 * first, every item naming its pull request): one request per 50 items instead of one per pull
 * request. A pull request is covered once the list has gone past its creation (its list is then
 * complete: what it no longer holds is tombstoned), or, on a later run, once the list reaches
 * items already stored while its older items were stored before. Paging stops when all are
 * covered, or when the pages spent equal the pull requests still uncovered: those are read one by
 * one, so this never costs much more than the cheaper of the two ways. Returns the uncovered ones.
 */
async function repositoryActivity(
  x: Extraction,
  scope: RepoScope,
  changed: readonly ChangedPullRequest[],
  batch: PageBatch,
): Promise<Set<number>> {
  const stream = 'pr_activity';
  const { db } = x.deps;
  const wanted = new Map(changed.map((pr) => [pr.id, pr]));
  const selection = { stream, connectionId: scope.connectionId };
  const stored = await parentsOf(db, { ...selection, parentKeys: changed.map((pr) => pr.key) });
  // A pull request's items wait here until it is covered: one left to its own list is read
  // there whole, and its items must not be loaded (and counted) twice.
  const pending = new Map<number, StreamRecord[]>();
  /** The keys listed of each pull request gone past its creation: its whole list. */
  const listed = new Map<number, string[]>();
  const complete = new Set<number>();
  const uncovered = new Set(wanted.keys());
  let oldestSeen: string | undefined;
  let reachedStored = false;
  let pages = 0;
  const read = iterateStream(x.client, stream, repoParent(scope), { repositoryWide: true });
  for await (const page of listNotThere(read, (err) => recordRepositoryWideSkip(x, scope, err))) {
    pages += 1;
    for (const r of page.records) {
      const id = pullRequestIdOf(r.parentKey);
      if (!wanted.has(id)) continue;
      const items = pending.get(id);
      if (items) items.push(r);
      else pending.set(id, [r]);
    }
    for (const r of page.records) {
      if (r.updatedOn && (!oldestSeen || compareIso(r.updatedOn, oldestSeen) < 0)) oldestSeen = r.updatedOn;
    }
    if (!reachedStored && page.records.length > 0) {
      const keys = page.records.map((r) => r.key);
      reachedStored = (await existingKeys(db, stream, scope.connectionId, keys)).size > 0;
    }
    for (const id of uncovered) {
      const pr = wanted.get(id) as ChangedPullRequest;
      const pastCreation =
        oldestSeen !== undefined && pr.createdOn !== undefined && compareIso(oldestSeen, pr.createdOn) < 0;
      if (pastCreation || page.cursor === null) complete.add(id);
      if (complete.has(id) || (reachedStored && stored.has(pr.key))) uncovered.delete(id);
    }
    const covered = [...pending].filter(([id]) => !uncovered.has(id));
    batch.add({ ...page, records: covered.flatMap(([, records]) => records) });
    for (const [id, records] of covered) {
      pending.delete(id);
      if (complete.has(id)) listed.set(id, [...(listed.get(id) ?? []), ...records.map((r) => r.key)]);
    }
    // Written as batches fill, not held to the end: a repository's whole activity (a backfill of
    // a large repository) would otherwise sit in memory. The tombstones below keep every key listed.
    if (batch.full) await batch.flush();
    heartbeat(x);
    if (uncovered.size === 0 || pages >= uncovered.size) break;
  }
  // Before the rest of the batch is written: it tombstones only what was stored and is not listed.
  for (const id of complete) {
    const parentKey = (wanted.get(id) as ChangedPullRequest).key;
    const keep = listed.get(id) ?? [];
    await markDeleted(db, { ...selection, parentKey, keep, runId: scope.runId });
  }
  return uncovered;
}

/**
 * The pages of a list that may answer 404 or 410 as a whole (the repository-wide activity, which
 * Bitbucket could withdraw): that ends the pages, reported to `skipped`; every other error goes up.
 */
async function* listNotThere(
  pages: AsyncGenerator<Page>,
  skipped: (err: BitbucketError) => Promise<void>,
): AsyncGenerator<Page> {
  try {
    yield* pages;
  } catch (err) {
    if (!isBitbucketError(err, 'NOT_FOUND') && !isBitbucketError(err, 'GONE')) throw err;
    await skipped(err);
  }
}

/**
 * The repository-wide activity list answered 404/410: recorded like a skipped list, and the pull
 * requests it did not cover are read from their own lists (whose 404 says whether the repository
 * itself is gone).
 */
async function recordRepositoryWideSkip(x: Extraction, scope: RepoScope, err: BitbucketError) {
  const { connectionId, runId } = scope;
  const skip = {
    connectionId,
    runId,
    stream: 'pr_activity',
    kind: err.kind,
    message: `${err.message} (the repository's activity list; each pull request's own list is read instead)`,
    parentKey: scope.repository.uuid,
  };
  await recordSkippedStream(x.deps, skip, { repository: scope.repository.slug });
  x.tally.add(0, 0, 1);
}

function pullRequestIdOf(parentKey: string | undefined): number {
  return Number(parentKey?.slice(parentKey.lastIndexOf(':') + 1));
}

/** Whether an activity key (see the catalog) is a comment's. */
const isCommentActivity = (key: string) => key.split(':')[2] === 'comment';

/**
 * Which comment and task lists are worth a request: the pull request counts some (or gives no
 * count), its stored activity shows a comment, or some are stored (the list is read to tombstone
 * what it lost). A count of 0 that lies about comments is caught by the activity; about tasks, by
 * a full re-read (README, "What is read").
 *
 * Comments, besides: a pull request that changed for another reason (a push, an approval) keeps
 * its comments list when it counts exactly the comments stored for it (not deleted) and the
 * repository's activity read this run brought no comment item of it, new or edited. A new comment
 * shows in the activity; a deleted one lowers the count.
 */
async function listsWorthReading(
  x: Extraction,
  scope: RepoScope,
  changed: readonly ChangedPullRequest[],
  oneByOne: ReadonlySet<number>,
) {
  const parentKeys = changed.map((pr) => pr.key);
  const selection = { connectionId: scope.connectionId, parentKeys };
  const { db } = x.deps;
  const commented = await parentsOf(db, { ...selection, stream: 'pr_activity', has: ['comment'] });
  const freshComment = await parentsOf(db, {
    ...selection,
    stream: 'pr_activity',
    has: ['comment'],
    runId: scope.runId,
  });
  const holding = new Map<StreamName, Set<string>>();
  for (const stream of CHILD_STREAMS) {
    if (STREAMS[stream].parentCount) holding.set(stream, await parentsOf(db, { ...selection, stream }));
  }
  const storedComments = new Map<string, number>();
  if (!scope.readEveryList && parentKeys.length > 0) {
    const rows = await selectRaw(db, {
      ...selection,
      stream: 'pr_comments',
      withParentKey: true,
      columns: { deleted: ['deleted'] },
    });
    for (const row of rows) {
      if (row.deleted === 'true' || row.parent_key === null || row.parent_key === undefined) continue;
      storedComments.set(row.parent_key, (storedComments.get(row.parent_key) ?? 0) + 1);
    }
  }
  const commentsAsStored = (pr: ChangedPullRequest, count: number) =>
    !oneByOne.has(pr.id) &&
    !freshComment.has(pr.key) &&
    count === (storedComments.get(pr.key) ?? 0) &&
    (count > 0 || !commented.has(pr.key));
  return (stream: StreamName, pr: ChangedPullRequest, activityKeys: readonly string[]): boolean => {
    const count = pr.counts[stream];
    if (scope.readEveryList || !STREAMS[stream].parentCount || count === undefined) return true;
    if (stream === 'pr_comments' && commentsAsStored(pr, count)) return false;
    if (count > 0 || holding.get(stream)?.has(pr.key)) return true;
    return stream === 'pr_comments' && (commented.has(pr.key) || activityKeys.some(isCommentActivity));
  };
}

/** The shortest abbreviation of a commit hash that names it here (git's own default). */
const MIN_HASH_DIGITS = 7;

/**
 * The pull requests whose commit list cannot have changed since it was read: the newest commit
 * stored for it is the head its source branch names now. A pull request's commits are those on
 * its source branch and not on its destination, so a list moves only when the source head does
 * (a push, a force-push, a merge from the destination). A head moved back to an older stored
 * commit is not the newest one, so that list is read again.
 */
async function commitsAtSourceHead(
  x: Extraction,
  scope: RepoScope,
  changed: readonly ChangedPullRequest[],
): Promise<Set<string>> {
  if (scope.readEveryList || changed.length === 0) return new Set();
  const rows = await selectRaw(x.deps.db, {
    stream: 'pr_commits',
    connectionId: scope.connectionId,
    parentKeys: changed.map((pr) => pr.key),
    withParentKey: true,
    columns: { hash: ['hash'], date: ['date'] },
  });
  // Per pull request, its newest commit time and the commits made then (a push of several
  // commits can share one timestamp).
  const newest = new Map<string, { date: string; hashes: string[] }>();
  for (const { parent_key: parent, hash, date } of rows) {
    if (!parent || !hash || !date) continue;
    const held = newest.get(parent);
    const order = held ? compareIso(date, held.date) : 1;
    if (order > 0) newest.set(parent, { date, hashes: [hash.toLowerCase()] });
    else if (order === 0) held?.hashes.push(hash.toLowerCase());
  }
  const atHead = (pr: ChangedPullRequest) => {
    const head = pr.sourceHash?.toLowerCase();
    if (!head || head.length < MIN_HASH_DIGITS) return false;
    return newest.get(pr.key)?.hashes.some((hash) => hash.startsWith(head)) ?? false;
  };
  return new Set(changed.filter(atHead).map((pr) => pr.key));
}

/**
 * Activity, comments, commits and tasks of every pull request that changed in this window, read
 * as economically as the API allows (README, "What is read"): only pull requests written since
 * their lists were last read; activity from the repository-wide list where that is cheaper;
 * comments and tasks only where there can be some; commits only when the source head moved.
 */
export async function extractPullRequestChildren(deps: ActivityDeps, scope: RepoScope): Promise<Counters> {
  return classified(deps, scope.connectionId, async () => {
    const x = await startExtraction(deps, scope.connectionId);
    const streams = CHILD_STREAMS.filter((s) => scopeStreams(scope).includes(s));
    const { changed, latest } = await changedPullRequests(x, scope, streams);
    const checkpoint = { stream: 'pullrequests', scopeKey: `children:${scope.repository.uuid}` };
    const batch = newBatch(x, scope);
    const oneByOne = await activityOneByOne(x, scope, changed, streams, checkpoint, batch);
    const worthReading = await listsWorthReading(x, scope, changed, oneByOne);
    const commitsUnmoved = await commitsAtSourceHead(x, scope, changed);
    const guard = childListGuard(x, scope);
    const read = async (stream: StreamName, pr: ChangedPullRequest) => {
      const parent = { ...repoParent(scope), pullRequestId: pr.id };
      const pages = iterateStream(x.client, stream, parent);
      const keys = await guard(stream, pr.key, () =>
        loadPages(x, scope, pages, { scopeKey: pr.key, checkpoint: false }, batch),
      );
      // A list that answered 404 is skipped: what it held stays. Tombstones go before the batch
      // is written: they take only what was stored and is gone now.
      if (keys) {
        const { connectionId, runId } = scope;
        await markDeleted(deps.db, { stream, connectionId, parentKey: pr.key, keep: keys, runId });
      }
      return keys ?? [];
    };
    const each = async (pr: ChangedPullRequest) => {
      let activityKeys: string[] = [];
      for (const stream of streams) {
        if (stream === 'pr_activity') {
          if (oneByOne.has(pr.id)) activityKeys = await read(stream, pr);
        } else if (stream === 'pr_commits') {
          if (!commitsUnmoved.has(pr.key)) await read(stream, pr);
        } else if (worthReading(stream, pr, activityKeys)) await read(stream, pr);
      }
    };
    await forEachParent(x, scope, checkpoint, changed, batch, each, { activityOneByOne: [...oneByOne] });
    if (latest) {
      const state = { ...readThroughState(scope), watermark: latest, cursor: { streams } };
      await writeState(deps.db, { connectionId: scope.connectionId, ...state });
    }
    return x.tally.counters;
  });
}

/**
 * The pull requests whose activity is read one by one: all of them when there is one (the
 * repository's list cannot be cheaper) or on a full re-read, else those the repository's list
 * left uncovered. Kept in the checkpoint, so a retry does not page the repository's list again.
 */
async function activityOneByOne(
  x: Extraction,
  scope: RepoScope,
  changed: readonly ChangedPullRequest[],
  streams: readonly StreamName[],
  checkpoint: { stream: string; scopeKey: string },
  batch: PageBatch,
): Promise<Set<number>> {
  if (!streams.includes('pr_activity')) return new Set();
  const resume = await readCheckpoint(x, scope, checkpoint.stream, checkpoint.scopeKey);
  // (A checkpoint of older code, without the list: every pull request left is read one by one.)
  if (resume) return new Set(resume.activityOneByOne ?? changed.map((pr) => pr.id));
  // (A full re-read reads every list as it is, the way every other saving is checked against.)
  if (changed.length <= 1 || scope.readEveryList) return new Set(changed.map((pr) => pr.id));
  const uncovered = await repositoryActivity(x, scope, changed, batch);
  await batch.flush();
  await writeCheckpoint(x, scope, checkpoint, { parentsDone: 0, activityOneByOne: [...uncovered] });
  return uncovered;
}

/** Steps of every pipeline this run loaded or changed (of every one, on a full re-read). */
export async function extractPipelineSteps(deps: ActivityDeps, scope: RepoScope): Promise<Counters> {
  // A full re-read reads the steps of every pipeline stored (e.g. after turning them on).
  const parents = { stream: PARENT_STREAM.pipeline, runId: scope.readEveryList ? undefined : scope.runId };
  const checkpoint = { stream: 'pipelines', scopeKey: `steps:${scope.repository.uuid}` };
  return extractChildren(deps, scope, parents, checkpoint, async (pipeline, read) => {
    const pipelineUuid = pipeline.record_key as string;
    const parent = { ...repoParent(scope), pipelineUuid };
    for (const stream of planStep('pipeline_steps').streams)
      await read(stream, parent, `${scope.repository.uuid}:${pipelineUuid}`, '');
  });
}
