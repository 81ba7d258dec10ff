// The workspace's own lists, read in the crawl plan's order: re-listed, with tombstones for what is
// gone (a repository no longer listed takes everything under it along).
import { BitbucketError, isBitbucketError } from '../../bitbucket/errors';
import type { ParentRef, StreamName } from '../../bitbucket/streams/catalog';
import { iterateStream } from '../../bitbucket/streams/iterate';
import {
  PARENT_STREAM,
  scopeStreams,
  type WorkspaceStep,
  workspaceSteps,
} from '../../bitbucket/streams/plan';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { readState, writeState } from '../../warehouse/raw/state';
import { selectRaw, tombstoneSubtree } from '../../warehouse/rawQueries';
import {
  existedBefore,
  type ListedRepository,
  type SyncScope,
  type WorkspaceLevelResult,
} from '../contracts';
import type { ActivityDeps } from '../deps';
import { classified, recordSkippedStream } from '../failures';
import { type Extraction, loadPages, relist, startExtraction } from './pages';

type WorkspaceScope = SyncScope & { workspaceUuid: string };

/**
 * Runs a workspace-level stream that may be closed to this connection: a 403 (scope not granted,
 * not a workspace admin) or 404 skips it for this run, recorded like other FORBIDDEN streams.
 */
async function skippable(
  x: Extraction,
  scope: WorkspaceScope,
  stream: StreamName,
  body: () => Promise<unknown>,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!isBitbucketError(err, 'FORBIDDEN') && !isBitbucketError(err, 'NOT_FOUND')) throw err;
    const { connectionId, runId, workspaceUuid: parentKey } = scope;
    const skip = { connectionId, runId, stream, kind: err.kind, message: err.message, parentKey };
    await recordSkippedStream(x.deps, skip, { workspace: scope.workspace });
    x.tally.add(0, 0, 1);
  }
}

/**
 * Re-lists a workspace's entities; one that a complete listing no longer has takes everything
 * under it along (a listing that fails part-way throws before tombstoning anything).
 */
async function relistEntities(
  x: Extraction,
  scope: WorkspaceScope,
  stream: StreamName,
  parent: ParentRef,
): Promise<void> {
  const { db } = x.deps;
  const selection = { stream, connectionId: scope.connectionId, parentKey: scope.workspaceUuid };
  const before = await selectRaw(db, selection);
  const live = new Set(await relist(x, scope, stream, parent, scope.workspaceUuid));
  const at = new Date().toISOString();
  for (const row of before) {
    if (!live.has(row.record_key as string))
      await tombstoneSubtree(db, scope.connectionId, row.record_key as string, at);
  }
}

/** Each project's lists (re-listed; its permissions need project:admin). */
async function projectLists(
  x: Extraction,
  scope: WorkspaceScope,
  streams: readonly StreamName[],
  parent: ParentRef,
): Promise<void> {
  const projects = await selectRaw(x.deps.db, {
    stream: PARENT_STREAM.project,
    connectionId: scope.connectionId,
    parentKey: scope.workspaceUuid,
    columns: { key: ['key'] },
  });
  for (const stream of streams) {
    await skippable(x, scope, stream, async () => {
      for (const project of projects) {
        const uuid = project.record_key as string;
        const ref = { ...parent, projectKey: project.key as string, projectUuid: uuid };
        await relist(x, scope, stream, ref, uuid);
      }
    });
  }
}

/**
 * Group members, from API 1.0 (admins only): one list for the whole workspace, reconciled group
 * by group, including groups that are gone or emptied (their members are tombstoned).
 */
async function groupMembers(
  x: Extraction,
  scope: WorkspaceScope,
  stream: StreamName,
  parent: ParentRef,
): Promise<void> {
  const { db } = x.deps;
  const groupKey = (slug: unknown) => `${scope.workspaceUuid}:${slug}`;
  const stored = await selectRaw(db, {
    stream,
    connectionId: scope.connectionId,
    columns: { ws: ['workspace', 'uuid'], slug: ['group', 'slug'] },
  });
  const keys = await loadPages(x, scope, iterateStream(x.client, stream, parent), {
    scopeKey: scope.workspaceUuid,
    checkpoint: false,
  });
  const groups = new Set(stored.filter((r) => r.ws === scope.workspaceUuid).map((r) => groupKey(r.slug)));
  for (const key of keys) groups.add(key.slice(0, key.lastIndexOf(':')));
  for (const parentKey of groups) {
    const keep = keys.filter((k) => k.startsWith(`${parentKey}:`));
    const { connectionId, runId } = scope;
    await markDeleted(db, { stream, connectionId, parentKey, keep, runId });
  }
}

/**
 * The workspace, read by the uuid its configured slug had when first seen (kept in stream_state):
 * a workspace renamed since is still the same workspace. The slug is only read the first time.
 */
async function readWorkspace(x: Extraction, scope: SyncScope) {
  const { db } = x.deps;
  const identity = { stream: 'workspaces', scopeKey: `uuid:${scope.workspace}` };
  const { cursor } = await readState(db, scope.connectionId, identity.stream, identity.scopeKey);
  const known = (cursor as { uuid?: string } | undefined)?.uuid;
  const ws = await x.client.get<{ uuid: string; slug: string }>(
    `/workspaces/${encodeURIComponent(known ?? scope.workspace)}`,
    {},
    { stream: identity.stream },
  );
  if (typeof ws?.uuid !== 'string' || !ws.uuid)
    throw new BitbucketError('BAD_PAYLOAD', `workspace ${scope.workspace}: the answer has no uuid`);
  if (ws.uuid !== known)
    await writeState(db, { connectionId: scope.connectionId, ...identity, cursor: { uuid: ws.uuid } });
  return ws;
}

/** Reads one step of the plan under the workspace: those of its streams that are on. */
async function readStep(
  x: Extraction,
  scope: WorkspaceScope,
  parent: ParentRef,
  step: WorkspaceStep,
  streams: readonly StreamName[],
) {
  // The user's own list of workspaces hangs under no workspace: nothing to skip or tombstone.
  if (step.read === 'list') {
    for (const stream of streams)
      await loadPages(x, scope, iterateStream(x.client, stream, {}), { scopeKey: '', checkpoint: false });
    return;
  }
  if (step.level === 'project') return projectLists(x, scope, streams, parent);
  // The workspace itself answered: a 404 from one of its lists is that list's, skipped and
  // recorded; the repositories then come from the last listing that worked.
  for (const stream of streams) {
    await skippable(x, scope, stream, () => {
      switch (step.read) {
        case 'relist':
          return relist(x, scope, stream, parent, scope.workspaceUuid);
        case 'relistEntities':
          return relistEntities(x, scope, stream, parent);
        case 'relistByRecordParent':
          return groupMembers(x, scope, stream, parent);
      }
    });
  }
}

/** Workspace-level streams (re-listed), and tombstones for repositories that are gone. */
export async function syncWorkspaceLevel(
  deps: ActivityDeps,
  scope: SyncScope,
): Promise<WorkspaceLevelResult> {
  return classified(deps, scope.connectionId, async () => {
    const x = await startExtraction(deps, scope.connectionId);
    const ws = await readWorkspace(x, scope);
    const wsScope = { ...scope, workspaceUuid: ws.uuid };
    const parent = { workspace: ws.slug, workspaceUuid: ws.uuid };
    // Later windows of a backfill read only the plan's every-window lists again; the others were
    // read in the first. A stream that is off is not read (and what it stored stays).
    const on = scopeStreams(scope);
    for (const step of workspaceSteps(scope.includeUnwindowed, on)) {
      const streams = step.streams.filter((s) => on.includes(s));
      await readStep(x, wsScope, parent, step, streams);
    }
    const repos = await selectRaw(deps.db, {
      stream: 'repositories',
      connectionId: scope.connectionId,
      parentKey: ws.uuid,
    });
    return { workspaceUuid: ws.uuid, repositoryCount: repos.length, counters: x.tally.counters };
  });
}

/** One page of live repositories of a workspace, in key order. */
export async function repositoryPage(
  deps: ActivityDeps,
  connectionId: string,
  workspaceUuid: string,
  offset: number,
  limit: number,
) {
  const rows = await selectRaw(deps.db, {
    stream: 'repositories',
    connectionId,
    parentKey: workspaceUuid,
    columns: { slug: ['slug'], created_on: ['created_on'] },
    offset,
    limit,
  });
  return rows.map(
    (r): ListedRepository => ({
      uuid: r.record_key as string,
      slug: r.slug as string,
      createdOn: r.created_on,
    }),
  );
}

/**
 * How many of the workspace's live repositories each window ending at `untils[i]` reads: those
 * that existed before the window ended (existedBefore, the rule the fan-out skips by).
 */
export async function repositoriesPerWindow(
  deps: ActivityDeps,
  connectionId: string,
  workspaceUuid: string,
  untils: readonly string[],
): Promise<number[]> {
  const rows = await selectRaw(deps.db, {
    stream: 'repositories',
    connectionId,
    parentKey: workspaceUuid,
    columns: { created_on: ['created_on'] },
  });
  return untils.map((until) => rows.filter((r) => existedBefore(r.created_on, until)).length);
}
