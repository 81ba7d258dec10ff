// A complete extraction of one workspace with the stream iterators, as the pipeline does it,
// kept in memory: used to check the iterators against the sandbox's ground truth.
import type { BitbucketClient, TokenProvider } from '../../bitbucket/client';
import type { StreamName } from '../../bitbucket/streams/catalog';
import { fetchPipelines, iterateStream, type Page } from '../../bitbucket/streams/iterate';
import type { Sandbox } from '../../sandbox/index';
import { tokenRequest } from './sandbox';

interface Row {
  parentKey?: string;
  /** The repository the row belongs to (undefined for workspace-level streams). */
  repo?: string;
  payload: any;
}

export type Store = Map<StreamName, Map<string, Row>>;

export function emptyStore(): Store {
  return new Map();
}

function put(store: Store, page: Page, repo?: string): void {
  let table = store.get(page.stream);
  if (!table) {
    table = new Map();
    store.set(page.stream, table);
  }
  for (const r of page.records) table.set(r.key, { parentKey: r.parentKey, repo, payload: r.payload });
}

async function drain(store: Store, pages: AsyncGenerator<Page>, repo?: string): Promise<Page['records']> {
  const all: Page['records'] = [];
  for await (const page of pages) {
    put(store, page, repo);
    all.push(...page.records);
  }
  return all;
}

/** Replaces a re-listed stream's rows under one parent by exactly what the API listed now. */
function reconcile(store: Store, stream: StreamName, parentKey: string | undefined, listed: Page['records']) {
  const keep = new Set(listed.map((r) => r.key));
  for (const [key, row] of store.get(stream) ?? []) {
    if (row.parentKey === parentKey && !keep.has(key)) store.get(stream)?.delete(key);
  }
}

export interface CrawlWindow {
  since?: string;
  until?: string;
}

/** Runs one sync pass (full when since is undefined) of a workspace into `store`. */
export async function crawlWorkspace(
  client: BitbucketClient,
  store: Store,
  workspace: string,
  window: CrawlWindow,
) {
  const ws = await client.get<{ uuid: string; slug: string }>(`/workspaces/${workspace}`);
  const wsRef = { workspace: ws.slug, workspaceUuid: ws.uuid };
  await drain(store, iterateStream(client, 'workspaces', {}));
  for (const stream of ['members', 'permissions', 'projects'] as const) {
    reconcile(store, stream, ws.uuid, await drain(store, iterateStream(client, stream, wsRef)));
  }
  const projects = [...(store.get('projects') ?? [])].filter(([, row]) => row.parentKey === ws.uuid);
  for (const [uuid, row] of projects) {
    const ref = { ...wsRef, projectKey: row.payload.key as string, projectUuid: uuid };
    for (const stream of ['project_group_permissions', 'project_user_permissions'] as const) {
      reconcile(store, stream, uuid, await drain(store, iterateStream(client, stream, ref)));
    }
  }
  // Group members are keyed under their group: reconcile the workspace's whole list at once.
  const members = new Set(
    (await drain(store, iterateStream(client, 'group_members', wsRef))).map((r) => r.key),
  );
  for (const key of store.get('group_members')?.keys() ?? []) {
    if (key.startsWith(`${ws.uuid}:`) && !members.has(key)) store.get('group_members')?.delete(key);
  }
  const before = [...(store.get('repositories') ?? [])]
    .filter(([, row]) => row.parentKey === ws.uuid)
    .map(([key]) => key);
  const repos = await drain(store, iterateStream(client, 'repositories', wsRef));
  reconcile(store, 'repositories', ws.uuid, repos);
  // A repository that is gone takes everything in it along.
  const live = new Set(repos.map((r) => r.key));
  const gone = new Set(before.filter((key) => !live.has(key)));
  for (const table of store.values()) {
    for (const [key, row] of table) if (row.repo !== undefined && gone.has(row.repo)) table.delete(key);
  }
  for (const repo of repos) {
    const { slug, uuid } = repo.payload as { slug: string; uuid: string };
    const ref = { ...wsRef, repository: slug, repositoryUuid: uuid };
    for (const stream of ['branches', 'environments', 'deployments'] as const) {
      reconcile(store, stream, uuid, await drain(store, iterateStream(client, stream, ref), uuid));
    }
    const commits = store.get('commits');
    const known = async (keys: string[]) => new Set(keys.filter((k) => commits?.has(k)));
    await drain(store, iterateStream(client, 'commits', ref, { known }), uuid);
    const changedPrs = await drain(store, iterateStream(client, 'pullrequests', ref, window), uuid);
    for (const pr of changedPrs) {
      const prRef = { ...ref, pullRequestId: (pr.payload as { id: number }).id };
      for (const stream of ['pr_activity', 'pr_comments', 'pr_commits', 'pr_tasks'] as const) {
        reconcile(store, stream, pr.key, await drain(store, iterateStream(client, stream, prRef), uuid));
      }
    }
    // Pipelines: the new ones, plus the ones that were not finished last time.
    const unfinished = [...(store.get('pipelines')?.values() ?? [])]
      .filter((row) => row.repo === uuid && row.payload.state?.name !== 'COMPLETED')
      .map((row) => row.payload.uuid as string);
    const fresh = await drain(store, iterateStream(client, 'pipelines', ref, window), uuid);
    const repolled = await fetchPipelines(client, ref, unfinished);
    put(store, repolled, uuid);
    for (const p of [...fresh, ...repolled.records]) {
      const pipelineRef = { ...ref, pipelineUuid: (p.payload as { uuid: string }).uuid };
      await drain(store, iterateStream(client, 'pipeline_steps', pipelineRef), uuid);
    }
  }
}

/** Keys per stream, sorted, for comparison with the sandbox's truth. */
export function keysOf(store: Store): Record<string, string[]> {
  return Object.fromEntries([...store].map(([stream, table]) => [stream, [...table.keys()].sort()]));
}

/** A token provider for tests: client credentials, refreshed on a 401 (the real vault is tested apart). */
export function sandboxTokens(sb: Sandbox): TokenProvider {
  let current: Promise<{ access: string; refresh: string }> | undefined;
  const fetchNew = async (form: Record<string, string>) => {
    const { status, body } = await tokenRequest(sb, form);
    if (status !== 200) throw new Error(`token endpoint answered ${status}`);
    return { access: body.access_token as string, refresh: body.refresh_token as string };
  };
  return {
    async accessToken() {
      current ??= fetchNew({ grant_type: 'client_credentials' });
      return (await current).access;
    },
    async refreshAfterUnauthorized(rejected) {
      const now = await (current ?? fetchNew({ grant_type: 'client_credentials' }));
      const next =
        now.access === rejected
          ? fetchNew({ grant_type: 'refresh_token', refresh_token: now.refresh })
          : Promise.resolve(now);
      current = next;
      return (await next).access;
    },
  };
}
