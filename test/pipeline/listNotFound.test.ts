// A 404 is local to the list that answered it (issue 15): a repository and everything under it
// stay while the repository itself answers; a repository renamed in the middle of a backfill (and
// a workspace renamed) is the same repository, read by uuid; a repository really deleted is
// tombstoned with its subtree. Real Temporal, sandbox and Postgres.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { RepoScope } from '../../activities/contracts';
import type { StreamName } from '../../bitbucket/streams/catalog';
import { PLANNED_STREAMS } from '../../bitbucket/streams/plan';
import type { WarehouseEngine } from '../../warehouse/engine';
import { backfill } from '../../workflows/backfill';
import { incrementalSync } from '../../workflows/incrementalSync';
import { syncRepository } from '../../workflows/syncRepository';
import { martRows } from '../support/modelSnapshots';
import {
  acmeBackfill,
  CONNECTION,
  rawKeys,
  sandboxNow,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

/** Every list read under a repository, and a pattern of its path (after the repository's uuid). */
const CHILD_LISTS: Array<[StreamName, string]> = [
  ['branches', '/refs/branches/?$'],
  ['environments', '/environments/?$'],
  ['deployments', '/deployments/?$'],
  ['commits', '/commits/?$'],
  ['pipelines', '/pipelines/?$'],
  // Steps are read for the pipelines a run loaded: next to pipelines, so under another repository.
  ['pipeline_steps', '/pipelines/[^/]+/steps/?$'],
  ['pullrequests', '/pullrequests/?$'],
  ['pr_activity', '/pullrequests/\\d+/activity/?$'],
  ['pr_comments', '/pullrequests/\\d+/comments/?$'],
  ['pr_commits', '/pullrequests/\\d+/commits/?$'],
  ['pr_tasks', '/pullrequests/\\d+/tasks/?$'],
];

const encodedUuid = (uuid: string) => encodeURIComponent(uuid).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function runStatus(db: WarehouseEngine, runId: string): Promise<string> {
  const [row] = await db.query<{ status: string }>(
    `select status from ${db.table('etl_meta', 'runs')} where run_id = $1`,
    [runId],
  );
  return row?.status ?? 'missing';
}

async function repositorySlugs(db: WarehouseEngine): Promise<Record<string, string>> {
  const rows = await db.query<{ uuid: string; slug: string }>(
    `select uuid, slug from ${db.table('staging', 'stg_repositories')} where not is_deleted`,
  );
  return Object.fromEntries(rows.map((r) => [r.uuid, r.slug]));
}

describe.skipIf(!temporalAvailable())('a 404 is the list’s, not the repository’s', () => {
  describeEachWarehouse(
    'list 404s, renames and deletions',
    (engine) => {
      const ctx = usePipeline(engine, { scale: 'tiny', seed: 15, rateLimitPerHour: 1_000_000 });
      const ws = () => ctx.sb.store.world.workspaces[0] as (typeof ctx.sb.store.world.workspaces)[number];
      let martsAfterRename: Record<string, string[]>;

      async function runBackfill(client: Client, taskQueue: string, readEveryList = false): Promise<string> {
        const start = await acmeBackfill(ctx.sb, taskQueue, { readEveryList });
        await client.workflow.execute(backfill, start);
        return start.workflowId;
      }

      it('a repository and its workspace renamed mid-backfill keep their history and end equal to the truth', async () => {
        const [renamed] = ctx.sb.store.liveRepositories(ws());
        if (!renamed) throw new Error('the sandbox has no repository');
        // After the first window's lists, while repositories are being read.
        await control(ctx.sb, 'POST', '/rename', {
          workspace: 'acme',
          repository: renamed.slug,
          to: `${renamed.slug}-renamed`,
          afterRequests: 25,
        });
        await control(ctx.sb, 'POST', '/rename', { workspace: 'acme', to: 'acme-corp', afterRequests: 60 });
        const taskQueue = uniqueTaskQueue('rename');
        const runId = await withWorker(workerOptions(ctx.services, taskQueue), (client) =>
          runBackfill(client, taskQueue),
        );
        expect(renamed.slug).toMatch(/-renamed$/);
        expect(ws().slug).toBe('acme-corp');
        expect(await runStatus(ctx.db, runId)).toBe('completed');
        const truth = await truthKeys(ctx.sb, 'acme-corp');
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        // The rename is seen by a later window's listing: same uuid, new slug.
        expect((await repositorySlugs(ctx.db))[renamed.uuid]).toBe(renamed.slug);
        const [workspace] = await ctx.db.query<{ slug: string }>(
          `select slug from ${ctx.db.table('staging', 'stg_workspaces')} where uuid = $1`,
          [ws().uuid],
        );
        expect(workspace?.slug).toBe('acme-corp');
        martsAfterRename = await martRows(ctx.db);
        expect(martsAfterRename.fct_pull_requests?.length).toBeGreaterThan(0);
      }, 300_000);

      it('a 404 on each child list in turn leaves the repository and its marts intact', async () => {
        // Each list answers 404 under one repository (lists spread over the repositories), while
        // the repositories themselves answer.
        const repos = ctx.sb.store.liveRepositories(ws());
        const failing = CHILD_LISTS.map(([stream, tail], i) => {
          const repo = repos[i % repos.length] as (typeof repos)[number];
          return { stream, parent: repo.uuid, path: `${encodedUuid(repo.uuid)}${tail}` };
        });
        // And two of the workspace's own lists: its members, and its repositories (the crawl
        // then goes on with the repositories of the last listing that worked).
        const wsUuid = ws().uuid;
        failing.push(
          { stream: 'members', parent: wsUuid, path: `/workspaces/${encodedUuid(wsUuid)}/members/?$` },
          { stream: 'repositories', parent: wsUuid, path: `/repositories/${encodedUuid(wsUuid)}/?$` },
        );
        await control(ctx.sb, 'PUT', '/faults', { notFoundPaths: failing.map((f) => f.path) });
        const taskQueue = uniqueTaskQueue('list404');
        try {
          // Every list read as it is (nothing changed since the last backfill, which would
          // otherwise leave the pull request lists unread).
          const runId = await withWorker(workerOptions(ctx.services, taskQueue), (client) =>
            runBackfill(client, taskQueue, true),
          );
          expect(await runStatus(ctx.db, runId)).toBe('completed');
          const stats = (await control(ctx.sb, 'GET', '/stats')).json;
          expect(stats.faultsInjected.notFound).toBeGreaterThanOrEqual(failing.length);

          // Each list's 404 is recorded with its parent, as NOT_FOUND.
          const errors = await ctx.db.query<{ stream: string; record_key: string; kind: string }>(
            `select stream, record_key, kind from ${ctx.db.table('etl_meta', 'errors')} where run_id = $1`,
            [runId],
          );
          for (const { stream, parent } of failing) {
            const hits = errors.filter((e) => e.stream === stream && e.record_key.startsWith(parent));
            expect(hits.length, `${stream} under ${parent}`).toBeGreaterThan(0);
            expect(hits.every((e) => e.kind === 'NOT_FOUND')).toBe(true);
          }
          // Nothing was tombstoned: raw equals the truth, and every mart equals the run before.
          const truth = await truthKeys(ctx.sb, 'acme-corp');
          expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
          expect(await martRows(ctx.db)).toEqual(martsAfterRename);
        } finally {
          await control(ctx.sb, 'PUT', '/faults', { notFoundPaths: [] });
        }
      }, 300_000);

      it('a repository really deleted is tombstoned with its subtree', async () => {
        const repos = ctx.sb.store.liveRepositories(ws());
        const gone = repos[repos.length - 1] as (typeof repos)[number];
        await control(ctx.sb, 'POST', '/delete', { workspace: 'acme-corp', repository: gone.slug });
        const taskQueue = uniqueTaskQueue('deleted');
        const truth = await truthKeys(ctx.sb, 'acme-corp');
        await withWorker(workerOptions(ctx.services, taskQueue), async (client) => {
          // Its listing still has it (the store was not re-listed): its own lists answer 404, and
          // the read of the repository itself decides.
          const scope: RepoScope = {
            connectionId: CONNECTION,
            workspace: 'acme',
            workspaceUuid: ws().uuid,
            runId: `deleted-${taskQueue}`,
            until: await sandboxNow(ctx.sb, 1),
            includeUnwindowed: true,
            streams: PLANNED_STREAMS,
            repository: { slug: gone.slug, uuid: gone.uuid },
          };
          await client.workflow.execute(syncRepository, {
            taskQueue,
            workflowId: `repo:${taskQueue}`,
            args: [scope],
          });
          const live = await rawKeys(ctx.db, truth.uuid);
          const under = (keys: string[]) => keys.filter((k) => k.startsWith(gone.uuid));
          for (const stream of ['repositories', 'pullrequests', 'commits', 'branches'])
            expect(under(live[stream] ?? []), stream).toEqual([]);
          expect(live.pullrequests?.length).toBeGreaterThan(0);

          // The next sync agrees, and the raw tables equal the truth.
          await client.workflow.execute(incrementalSync, {
            taskQueue,
            workflowId: `sync:${CONNECTION}:${taskQueue}`,
            args: [{ connectionId: CONNECTION }],
          });
        });
        expect(await rawKeys(ctx.db, truth.uuid)).toEqual(truth.keys);
        expect(await repositorySlugs(ctx.db)).not.toHaveProperty(gone.uuid);
      }, 300_000);
    },
    ['postgres'],
  );
});
