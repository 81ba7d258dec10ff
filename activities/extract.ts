// Extraction activities: each reads one stream (or one family of child streams) for one parent,
// writes its pages in batches (activities/pageBatch.ts) together with the resume cursor in one
// transaction, and heartbeats after every page. After a crash, the retry starts from the last
// checkpoint, not from page one.
import { Context } from '@temporalio/activity';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError, isBitbucketError } from '../bitbucket/errors';
import type { ParentRef, StreamName } from '../bitbucket/streams/catalog';
import { type Cursor, fetchPipelines, iterateStream, type Page } from '../bitbucket/streams/iterate';
import { existingKeys, markDeleted, readState, writeState } from '../warehouse/rawLoader';
import { selectRaw, tombstoneSubtree } from '../warehouse/rawQueries';
import {
  addCounters,
  type Counters,
  type RepoScope,
  type RepositoryStream,
  type SyncScope,
  type WorkspaceLevelResult,
  ZERO,
} from './contracts';
import type { ActivityDeps } from './deps';
import { classified, recordSkippedStream } from './failures';
import { PageBatch } from './pageBatch';

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
}

const RELISTED: readonly RepositoryStream[] = ['branches', 'environments'];

/** Counters of one activity attempt, on top of what earlier attempts heartbeated. */
class Tally {
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

export function createExtractActivities(deps: ActivityDeps) {
  const { db } = deps;

  function checkpointOf(scope: SyncScope, extra: Partial<Checkpoint>): Checkpoint {
    return { runId: scope.runId, since: scope.since, until: scope.until, ...extra };
  }

  async function readCheckpoint(
    scope: SyncScope,
    stream: string,
    scopeKey: string,
  ): Promise<Checkpoint | undefined> {
    const { cursor } = await readState(db, scope.connectionId, stream, scopeKey);
    const c = cursor as Checkpoint | undefined;
    return c && c.runId === scope.runId && c.since === scope.since && c.until === scope.until ? c : undefined;
  }

  function startTally(client: BitbucketClient): Tally {
    return new Tally(client, (Context.current().info.heartbeatDetails as Progress | undefined)?.counters);
  }

  /** A batch whose writes count in `tally`. */
  function newBatch(scope: SyncScope & { workspaceUuid?: string }, tally: Tally): PageBatch {
    return new PageBatch(db, scope, (records, rejects) => tally.add(records, rejects));
  }

  /**
   * Reads every page into a batch, heartbeating after each. A full batch is written with the
   * stream's checkpoint (when `checkpoint`), and what is left before returning; a batch of the
   * caller's (`shared`) is the caller's to write, after the parent, with the parent's checkpoint.
   */
  async function loadPages(
    scope: SyncScope & { workspaceUuid?: string },
    pages: AsyncGenerator<Page>,
    tally: Tally,
    state: { scopeKey: string; checkpoint: boolean },
    shared?: PageBatch,
  ): Promise<string[]> {
    const batch = shared ?? newBatch(scope, tally);
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
      Context.current().heartbeat({ counters: tally.counters } satisfies Progress);
    }
    if (!shared) await batch.flush(checkpointAfter(last));
    return keys;
  }

  /**
   * Runs `each` over parents in key order, gathering their pages in `batch`, resuming after the
   * last parent checkpointed.
   */
  async function forEachParent(
    scope: SyncScope,
    checkpoint: { stream: string; scopeKey: string },
    parents: Array<Record<string, string | null>>,
    batch: PageBatch,
    each: (parent: Record<string, string | null>) => Promise<void>,
  ): Promise<void> {
    const start = (await readCheckpoint(scope, checkpoint.stream, checkpoint.scopeKey))?.parentsDone ?? 0;
    for (let i = start; i < parents.length; i += 1) {
      await each(parents[i] as Record<string, string | null>);
      if (!batch.full && i < parents.length - 1) continue;
      // The parents done so far are only done once their records are written.
      await batch.flush();
      await writeState(db, {
        connectionId: scope.connectionId,
        ...checkpoint,
        cursor: checkpointOf(scope, { parentsDone: i + 1 }),
      });
    }
  }

  /** Reads a whole list and tombstones what it no longer holds. Lists are short: no resume. */
  async function relist(
    scope: SyncScope & { workspaceUuid?: string },
    client: BitbucketClient,
    tally: Tally,
    stream: StreamName,
    parent: ParentRef,
    parentKey: string | undefined,
  ): Promise<string[]> {
    const keys = await loadPages(scope, iterateStream(client, stream, parent), tally, {
      scopeKey: parentKey ?? '',
      checkpoint: false,
    });
    await markDeleted(db, {
      stream,
      connectionId: scope.connectionId,
      parentKey: parentKey ?? null,
      keep: keys,
      runId: scope.runId,
    });
    return keys;
  }

  /**
   * Runs a workspace-level stream that may be closed to this connection: a 403 (scope not granted,
   * not a workspace admin) or 404 skips it for this run, recorded like other FORBIDDEN streams.
   */
  async function skippable(
    scope: SyncScope & { workspaceUuid: string },
    tally: Tally,
    stream: StreamName,
    body: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await body();
    } catch (err) {
      if (!isBitbucketError(err, 'FORBIDDEN') && !isBitbucketError(err, 'NOT_FOUND')) throw err;
      const { connectionId, runId, workspaceUuid: parentKey } = scope;
      const skip = { connectionId, runId, stream, kind: err.kind, message: err.message, parentKey };
      await recordSkippedStream(deps, skip, { workspace: scope.workspace });
      tally.add(0, 0, 1);
    }
  }

  /**
   * Re-lists a workspace's entities; one that a complete listing no longer has takes everything
   * under it along (a listing that fails part-way throws before tombstoning anything).
   */
  async function relistEntities(
    scope: SyncScope & { workspaceUuid: string },
    client: BitbucketClient,
    tally: Tally,
    stream: 'projects' | 'repositories',
    parent: ParentRef,
  ): Promise<void> {
    const selection = { stream, connectionId: scope.connectionId, parentKey: scope.workspaceUuid };
    const before = await selectRaw(db, selection);
    const live = new Set(await relist(scope, client, tally, stream, parent, scope.workspaceUuid));
    const at = new Date().toISOString();
    for (const row of before) {
      if (!live.has(row.record_key as string))
        await tombstoneSubtree(db, scope.connectionId, row.record_key as string, at);
    }
  }

  /** Each project's group and user permissions (re-listed; they need project:admin). */
  async function projectPermissions(
    scope: SyncScope & { workspaceUuid: string },
    client: BitbucketClient,
    tally: Tally,
    parent: ParentRef,
  ): Promise<void> {
    const projects = await selectRaw(db, {
      stream: 'projects',
      connectionId: scope.connectionId,
      parentKey: scope.workspaceUuid,
      columns: { key: ['key'] },
    });
    for (const stream of ['project_group_permissions', 'project_user_permissions'] as const) {
      await skippable(scope, tally, stream, async () => {
        for (const project of projects) {
          const uuid = project.record_key as string;
          const ref = { ...parent, projectKey: project.key as string, projectUuid: uuid };
          await relist(scope, client, tally, stream, ref, uuid);
        }
      });
    }
  }

  /**
   * Group members, from API 1.0 (admins only): one list for the whole workspace, reconciled group
   * by group, including groups that are gone or emptied (their members are tombstoned).
   */
  async function groupMembers(
    scope: SyncScope & { workspaceUuid: string },
    client: BitbucketClient,
    tally: Tally,
    parent: ParentRef,
  ): Promise<void> {
    const stream = 'group_members';
    const groupKey = (slug: unknown) => `${scope.workspaceUuid}:${slug}`;
    const stored = await selectRaw(db, {
      stream,
      connectionId: scope.connectionId,
      columns: { ws: ['workspace', 'uuid'], slug: ['group', 'slug'] },
    });
    const keys = await loadPages(scope, iterateStream(client, stream, parent), tally, {
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
  async function readWorkspace(scope: SyncScope, client: BitbucketClient) {
    const identity = { stream: 'workspaces', scopeKey: `uuid:${scope.workspace}` };
    const { cursor } = await readState(db, scope.connectionId, identity.stream, identity.scopeKey);
    const known = (cursor as { uuid?: string } | undefined)?.uuid;
    const ws = await client.get<{ uuid: string; slug: string }>(
      `/workspaces/${encodeURIComponent(known ?? scope.workspace)}`,
    );
    if (typeof ws?.uuid !== 'string' || !ws.uuid)
      throw new BitbucketError('BAD_PAYLOAD', `workspace ${scope.workspace}: the answer has no uuid`);
    if (ws.uuid !== known)
      await writeState(db, { connectionId: scope.connectionId, ...identity, cursor: { uuid: ws.uuid } });
    return ws;
  }

  function repoParent(scope: RepoScope): ParentRef {
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
  async function repositoryExists(client: BitbucketClient, scope: RepoScope): Promise<boolean> {
    const ws = encodeURIComponent(scope.workspaceUuid);
    try {
      await client.get(`/repositories/${ws}/${encodeURIComponent(scope.repository.uuid)}`, {
        fields: 'uuid',
      });
      return true;
    } catch (err) {
      if (isBitbucketError(err, 'NOT_FOUND') || isBitbucketError(err, 'GONE')) return false;
      throw err;
    }
  }

  /**
   * Runs the read of one child list; a 404 or 410 from it skips that list alone, recorded with its
   * parent, while the repository answers (asked once per activity). When the repository is gone
   * too, the error goes up and the workflow tombstones it.
   */
  function childListGuard(scope: RepoScope, client: BitbucketClient, tally: Tally) {
    let repositoryThere: Promise<boolean> | undefined;
    return async (stream: StreamName, parentKey: string, read: () => Promise<void>): Promise<void> => {
      try {
        await read();
      } catch (err) {
        if (!isBitbucketError(err, 'NOT_FOUND') && !isBitbucketError(err, 'GONE')) throw err;
        repositoryThere ??= repositoryExists(client, scope);
        if (!(await repositoryThere)) throw err;
        const { connectionId, runId } = scope;
        const skip = { connectionId, runId, stream, kind: err.kind, message: err.message, parentKey };
        await recordSkippedStream(deps, skip, { repository: scope.repository.slug });
        tally.add(0, 0, 1);
      }
    };
  }

  return {
    /** Workspace-level streams (re-listed), and tombstones for repositories that are gone. */
    async syncWorkspaceLevel(scope: SyncScope): Promise<WorkspaceLevelResult> {
      return classified(deps, scope.connectionId, async () => {
        const client = await deps.clientFor(scope.connectionId);
        const tally = startTally(client);
        const ws = await readWorkspace(scope, client);
        const wsScope = { ...scope, workspaceUuid: ws.uuid };
        const parent = { workspace: ws.slug, workspaceUuid: ws.uuid };
        // Every window lists the workspaces and repositories again (a request per 100): one
        // renamed or deleted during a long backfill is seen by the next window.
        await loadPages(wsScope, iterateStream(client, 'workspaces', {}), tally, {
          scopeKey: '',
          checkpoint: false,
        });
        // The workspace itself answered: a 404 from one of its lists is that list's, skipped and
        // recorded; the repositories then come from the last listing that worked.
        const relistRepositories = () =>
          skippable(wsScope, tally, 'repositories', () =>
            relistEntities(wsScope, client, tally, 'repositories', parent),
          );
        if (scope.includeUnwindowed) {
          for (const stream of ['members', 'permissions'] as const)
            await skippable(wsScope, tally, stream, () =>
              relist(wsScope, client, tally, stream, parent, ws.uuid),
            );
          await skippable(wsScope, tally, 'projects', () =>
            relistEntities(wsScope, client, tally, 'projects', parent),
          );
          await projectPermissions(wsScope, client, tally, parent);
          await skippable(wsScope, tally, 'group_members', () =>
            groupMembers(wsScope, client, tally, parent),
          );
        }
        // Later windows of a backfill read only this list again; the others were read in the first.
        await relistRepositories();
        const repos = await selectRaw(db, {
          stream: 'repositories',
          connectionId: scope.connectionId,
          parentKey: ws.uuid,
        });
        return { workspaceUuid: ws.uuid, repositoryCount: repos.length, counters: tally.counters };
      });
    },

    /** One page of live repositories of a workspace, in key order. */
    async repositoryPage(connectionId: string, workspaceUuid: string, offset: number, limit: number) {
      const rows = await selectRaw(db, {
        stream: 'repositories',
        connectionId,
        parentKey: workspaceUuid,
        columns: { slug: ['slug'] },
        offset,
        limit,
      });
      return rows.map((r) => ({ uuid: r.record_key as string, slug: r.slug as string }));
    },

    /** Whether the repository itself still answers (read by uuid): false tombstones it. */
    async repositoryExists(scope: RepoScope): Promise<boolean> {
      return classified(deps, scope.connectionId, async () =>
        repositoryExists(await deps.clientFor(scope.connectionId), scope),
      );
    },

    /** One repository-level stream, resumable from its checkpointed cursor. */
    async extractRepositoryStream(scope: RepoScope, stream: RepositoryStream): Promise<Counters> {
      return classified(deps, scope.connectionId, async () => {
        const client = await deps.clientFor(scope.connectionId);
        const tally = startTally(client);
        const parent = repoParent(scope);
        const repoKey = scope.repository.uuid;
        if (RELISTED.includes(stream)) {
          await relist(scope, client, tally, stream, parent, repoKey);
          return tally.counters;
        }
        const resume = await readCheckpoint(scope, stream, repoKey);
        const window =
          stream === 'pullrequests'
            ? { since: scope.since, until: scope.until }
            : stream === 'pipelines'
              ? { since: scope.since }
              : {};
        const known =
          stream === 'commits'
            ? (keys: string[]) => existingKeys(db, 'commits', scope.connectionId, keys)
            : undefined;
        if (stream === 'pipelines' && !resume) {
          // Runs that were not finished last time: read again by uuid, whatever their age.
          const unfinished = await selectRaw(db, {
            stream: 'pipelines',
            connectionId: scope.connectionId,
            parentKey: repoKey,
            notEqual: { path: ['state', 'name'], value: 'COMPLETED' },
          });
          const page = await fetchPipelines(
            client,
            parent,
            unfinished.map((r) => r.record_key as string),
          );
          const batch = newBatch(scope, tally);
          batch.add(page);
          await batch.flush();
        }
        const pages = iterateStream(client, stream, parent, { ...window, cursor: resume?.cursor, known });
        await loadPages(scope, pages, tally, { scopeKey: repoKey, checkpoint: true });
        return tally.counters;
      });
    },

    /** Activity, comments, commits and tasks of every pull request that changed in this window. */
    async extractPullRequestChildren(scope: RepoScope): Promise<Counters> {
      return classified(deps, scope.connectionId, async () => {
        const client = await deps.clientFor(scope.connectionId);
        const tally = startTally(client);
        const prs = await selectRaw(db, {
          stream: 'pullrequests',
          connectionId: scope.connectionId,
          parentKey: scope.repository.uuid,
          updatedFrom: scope.since,
          updatedBefore: scope.until,
          columns: { id: ['id'] },
        });
        const checkpoint = { stream: 'pullrequests', scopeKey: `children:${scope.repository.uuid}` };
        const batch = newBatch(scope, tally);
        const guard = childListGuard(scope, client, tally);
        await forEachParent(scope, checkpoint, prs, batch, async (pr) => {
          const prKey = pr.record_key as string;
          const parent = { ...repoParent(scope), pullRequestId: Number(pr.id) };
          for (const stream of ['pr_activity', 'pr_comments', 'pr_commits', 'pr_tasks'] as const) {
            await guard(stream, prKey, async () => {
              const pages = iterateStream(client, stream, parent);
              const keys = await loadPages(
                scope,
                pages,
                tally,
                { scopeKey: prKey, checkpoint: false },
                batch,
              );
              // Before the batch is written: it tombstones only what was stored and is gone now.
              // A list that answered 404 never gets here: what it held stays.
              await markDeleted(db, {
                stream,
                connectionId: scope.connectionId,
                parentKey: prKey,
                keep: keys,
                runId: scope.runId,
              });
            });
          }
        });
        return tally.counters;
      });
    },

    /** Steps of every pipeline this run loaded or changed. */
    async extractPipelineSteps(scope: RepoScope): Promise<Counters> {
      return classified(deps, scope.connectionId, async () => {
        const client = await deps.clientFor(scope.connectionId);
        const tally = startTally(client);
        const pipelines = await selectRaw(db, {
          stream: 'pipelines',
          connectionId: scope.connectionId,
          parentKey: scope.repository.uuid,
          runId: scope.runId,
        });
        const checkpoint = { stream: 'pipelines', scopeKey: `steps:${scope.repository.uuid}` };
        const batch = newBatch(scope, tally);
        const guard = childListGuard(scope, client, tally);
        await forEachParent(scope, checkpoint, pipelines, batch, async (pipeline) => {
          const pipelineUuid = pipeline.record_key as string;
          const pipelineRef = { ...repoParent(scope), pipelineUuid };
          await guard('pipeline_steps', `${scope.repository.uuid}:${pipelineUuid}`, async () => {
            const pages = iterateStream(client, 'pipeline_steps', pipelineRef);
            await loadPages(scope, pages, tally, { scopeKey: '', checkpoint: false }, batch);
          });
        });
        return tally.counters;
      });
    },
  };
}
