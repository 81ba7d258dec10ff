// What every extraction activity shares: its counters, its page batches and their checkpoints, and
// the re-list. Pages are written in batches (activities/pageBatch.ts) together with the resume
// cursor in one transaction, and the activity heartbeats after every page. After a crash, the retry
// starts from the last checkpoint, not from page one.
import { Context } from '@temporalio/activity';
import type { BitbucketClient } from '../../bitbucket/client';
import type { ParentRef, StreamName } from '../../bitbucket/streams/catalog';
import { type Cursor, iterateStream, type Page } from '../../bitbucket/streams/iterate';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { readState, writeState } from '../../warehouse/raw/state';
import { addCounters, type Counters, type SyncScope, ZERO } from '../contracts';
import type { ActivityDeps } from '../deps';
import { PageBatch } from '../pageBatch';

/** What an extraction activity heartbeats: its counters (Temporal keeps them across attempts). */
interface Progress {
  counters: Counters;
}

/**
 * Where a resumable activity stands, kept in etl_meta.stream_state: written with every page in
 * the same transaction (stream cursors), or after each parent (child streams). Heartbeats are
 * throttled, so the store, not the last heartbeat, says exactly where to resume. A checkpoint
 * only counts for the run and window that wrote it.
 */
interface Checkpoint {
  runId: string;
  since?: string;
  until: string;
  cursor?: Cursor | null;
  /** Child-stream activities: how many parents (in key order) are done. */
  parentsDone?: number;
  /** Pull request children: the ids whose activity is read one by one (not covered by the repository's list). */
  activityOneByOne?: number[];
}

/** Counters of one activity attempt, on top of what earlier attempts heartbeated. */
export class Tally {
  private loaded: Counters;
  constructor(
    private readonly client: BitbucketClient,
    base: Counters = ZERO,
  ) {
    this.loaded = base;
  }
  add(records: number, rejects: number, errors = 0): void {
    this.loaded = addCounters(this.loaded, { ...ZERO, records, rejects, errors });
  }
  get counters(): Counters {
    return {
      ...this.loaded,
      requests: this.loaded.requests + this.client.stats.requests,
      rateLimited: this.loaded.rateLimited + this.client.stats.rateLimited,
    };
  }
}

/** One attempt of an extraction activity: its dependencies, its API client and its counters. */
export interface Extraction {
  deps: ActivityDeps;
  client: BitbucketClient;
  tally: Tally;
}

/** Starts an attempt, counting on from what the previous attempts heartbeated. */
export async function startExtraction(deps: ActivityDeps, connectionId: string): Promise<Extraction> {
  const client = await deps.clientFor(connectionId);
  const base = (Context.current().info.heartbeatDetails as Progress | undefined)?.counters;
  return { deps, client, tally: new Tally(client, base) };
}

function checkpointOf(scope: SyncScope, extra: Partial<Checkpoint>): Checkpoint {
  return { runId: scope.runId, since: scope.since, until: scope.until, ...extra };
}

/** Tells Temporal the attempt is alive, with its counters. */
export function heartbeat(x: Extraction): void {
  Context.current().heartbeat({ counters: x.tally.counters } satisfies Progress);
}

export async function readCheckpoint(
  x: Extraction,
  scope: SyncScope,
  stream: string,
  scopeKey: string,
): Promise<Checkpoint | undefined> {
  const { cursor } = await readState(x.deps.db, scope.connectionId, stream, scopeKey);
  const c = cursor as Checkpoint | undefined;
  return c && c.runId === scope.runId && c.since === scope.since && c.until === scope.until ? c : undefined;
}

/** A batch whose writes count in the attempt's tally, and are told to the worker's metrics. */
export function newBatch(x: Extraction, scope: SyncScope & { workspaceUuid?: string }): PageBatch {
  return new PageBatch(x.deps.db, scope, (written) => {
    x.tally.add(written.records, written.rejects);
    x.deps.onBatchWritten?.(written);
  });
}

/**
 * Reads every page into a batch, heartbeating after each. A full batch is written with the
 * stream's checkpoint (when `checkpoint`), and what is left before returning; a batch of the
 * caller's (`shared`) is the caller's to write, after the parent, with the parent's checkpoint.
 */
export async function loadPages(
  x: Extraction,
  scope: SyncScope & { workspaceUuid?: string },
  pages: AsyncGenerator<Page>,
  state: { scopeKey: string; checkpoint: boolean },
  shared?: PageBatch,
): Promise<string[]> {
  const batch = shared ?? newBatch(x, scope);
  const keys: string[] = [];
  let last: Page | undefined;
  const checkpointAfter = (page: Page | undefined) =>
    state.checkpoint && page
      ? {
          stream: page.stream,
          scopeKey: state.scopeKey,
          cursor: checkpointOf(scope, { cursor: page.cursor }),
        }
      : undefined;
  for await (const page of pages) {
    batch.add(page);
    keys.push(...page.records.map((r) => r.key));
    last = page;
    if (!shared && batch.full) await batch.flush(checkpointAfter(page));
    heartbeat(x);
  }
  if (!shared) await batch.flush(checkpointAfter(last));
  return keys;
}

/** Writes where a child-stream activity stands (for this run and window). */
export async function writeCheckpoint(
  x: Extraction,
  scope: SyncScope,
  checkpoint: { stream: string; scopeKey: string },
  at: Partial<Checkpoint>,
): Promise<void> {
  await writeState(x.deps.db, {
    connectionId: scope.connectionId,
    ...checkpoint,
    cursor: checkpointOf(scope, at),
  });
}

/**
 * Runs `each` over parents in key order, gathering their pages in `batch`, resuming after the
 * last parent checkpointed; `carried` goes into every checkpoint it writes.
 */
export async function forEachParent<P>(
  x: Extraction,
  scope: SyncScope,
  checkpoint: { stream: string; scopeKey: string },
  parents: readonly P[],
  batch: PageBatch,
  each: (parent: P) => Promise<void>,
  carried: Partial<Checkpoint> = {},
): Promise<void> {
  const start = (await readCheckpoint(x, scope, checkpoint.stream, checkpoint.scopeKey))?.parentsDone ?? 0;
  for (let i = start; i < parents.length; i += 1) {
    await each(parents[i] as P);
    if (!batch.full && i < parents.length - 1) continue;
    // The parents done so far are only done once their records are written.
    await batch.flush();
    await writeCheckpoint(x, scope, checkpoint, { ...carried, parentsDone: i + 1 });
  }
}

/** Reads a whole list and tombstones what it no longer holds. Lists are short: no resume. */
export async function relist(
  x: Extraction,
  scope: SyncScope & { workspaceUuid?: string },
  stream: StreamName,
  parent: ParentRef,
  parentKey: string | undefined,
): Promise<string[]> {
  const keys = await loadPages(x, scope, iterateStream(x.client, stream, parent), {
    scopeKey: parentKey ?? '',
    checkpoint: false,
  });
  await markDeleted(x.deps.db, {
    stream,
    connectionId: scope.connectionId,
    parentKey: parentKey ?? null,
    keep: keys,
    runId: scope.runId,
  });
  return keys;
}
