// A complete extraction of one workspace with the stream iterators, following the crawl plan as
// the pipeline does, kept in memory: used to check the iterators against the sandbox's ground truth.
import type { BitbucketClient, TokenProvider } from '../../bitbucket/client';
import { type ParentRef, STREAMS, type StreamName } from '../../bitbucket/streams/catalog';
import { fetchByUuid, type IterateOptions, iterateStream, type Page } from '../../bitbucket/streams/iterate';
import {
  type CrawlStep,
  PARENT_STREAM,
  PLANNED_STREAMS,
  repositorySteps,
  workspaceSteps,
} from '../../bitbucket/streams/plan';
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

/** Where one pass stands: the refs of the parent being read, and the parents each step read. */
interface Pass {
  client: BitbucketClient;
  store: Store;
  window: CrawlWindow;
  ref: ParentRef;
  /** The repository being read (undefined at workspace level). */
  repo?: string;
  /** Records each stream read in this pass, for the steps reading their children. */
  read: Map<StreamName, Page['records']>;
  /** The streams that are on. */
  streams: readonly StreamName[];
}

/** The refs of a child's parent record, by level. */
function childRef(pass: Pass, level: 'pullrequest' | 'pipeline', payload: any): ParentRef {
  return level === 'pullrequest'
    ? { ...pass.ref, pullRequestId: payload.id as number }
    : { ...pass.ref, pipelineUuid: payload.uuid as string };
}

async function readList(pass: Pass, stream: StreamName, ref: ParentRef, options: IterateOptions = {}) {
  const records = await drain(pass.store, iterateStream(pass.client, stream, ref, options), pass.repo);
  remember(pass, stream, records);
  return records;
}

function remember(pass: Pass, stream: StreamName, records: Page['records']): void {
  const read = pass.read.get(stream);
  if (read) read.push(...records);
  else pass.read.set(stream, [...records]);
}

/** Reads one step of the plan (its streams that are on), as the pipeline does, into the pass's store. */
async function readStep(pass: Pass, step: CrawlStep, parentKey: string): Promise<void> {
  const { store, window } = pass;
  for (const stream of step.streams.filter((s) => pass.streams.includes(s))) {
    switch (step.read) {
      case 'list':
      // (The crawl reads every list whole: it is what economies are checked against.)
      case 'newestToUnfinished':
        // The user's own list of workspaces hangs under no workspace.
        await readList(pass, stream, STREAMS[stream].parent === 'root' ? {} : pass.ref);
        break;
      case 'relist':
      case 'relistWhenNamed':
        if (step.level !== 'project') {
          reconcile(store, stream, parentKey, await readList(pass, stream, pass.ref));
          break;
        }
        for (const [uuid, row] of store.get(PARENT_STREAM.project) ?? []) {
          if (row.parentKey !== parentKey) continue;
          const ref = { ...pass.ref, projectKey: row.payload.key as string, projectUuid: uuid };
          reconcile(store, stream, uuid, await readList(pass, stream, ref));
        }
        break;
      case 'relistByRecordParent': {
        // Keyed under their group: reconcile the workspace's whole list at once.
        const listed = new Set((await readList(pass, stream, pass.ref)).map((r) => r.key));
        for (const key of store.get(stream)?.keys() ?? []) {
          if (key.startsWith(`${parentKey}:`) && !listed.has(key)) store.get(stream)?.delete(key);
        }
        break;
      }
      case 'relistEntities': {
        const before = [...(store.get(stream) ?? [])].filter(([, row]) => row.parentKey === parentKey);
        const listed = await readList(pass, stream, pass.ref);
        reconcile(store, stream, parentKey, listed);
        // An entity that is gone takes everything in it along.
        const live = new Set(listed.map((r) => r.key));
        const gone = new Set(before.map(([key]) => key).filter((key) => !live.has(key)));
        for (const table of store.values()) {
          for (const [key, row] of table) if (row.repo !== undefined && gone.has(row.repo)) table.delete(key);
        }
        break;
      }
      case 'unreachedFromStored': {
        const stored = store.get(stream);
        const known = async (keys: string[]) => new Set(keys.filter((k) => stored?.has(k)));
        await readList(pass, stream, pass.ref, { known });
        break;
      }
      case 'newestSinceWindow': {
        // The new runs, plus the ones that were not finished last time.
        const unfinished = [...(store.get(stream)?.values() ?? [])]
          .filter((row) => row.repo === pass.repo && row.payload.state?.name !== 'COMPLETED')
          .map((row) => row.payload.uuid as string);
        await readList(pass, stream, pass.ref, window);
        const repolled = await fetchByUuid(pass.client, 'pipelines', pass.ref, unfinished);
        put(store, repolled, pass.repo);
        remember(pass, stream, repolled.records);
        break;
      }
      case 'keysetWindow':
        await readList(pass, stream, pass.ref, window);
        break;
      case 'childrenOfChanged':
      case 'childrenOfLoaded': {
        const level = step.level as 'pullrequest' | 'pipeline';
        for (const parent of pass.read.get(PARENT_STREAM[level]) ?? []) {
          const listed = await readList(pass, stream, childRef(pass, level, parent.payload));
          if (step.read === 'childrenOfChanged') reconcile(store, stream, parent.key, listed);
        }
        break;
      }
    }
  }
}

/**
 * Runs one sync pass (full when since is undefined) of a workspace into `store`, step by step,
 * reading `streams` (default: every stream, to compare with the whole ground truth).
 */
export async function crawlWorkspace(
  client: BitbucketClient,
  store: Store,
  workspace: string,
  window: CrawlWindow,
  streams: readonly StreamName[] = PLANNED_STREAMS,
) {
  const ws = await client.get<{ uuid: string; slug: string }>(`/workspaces/${workspace}`);
  const wsRef = { workspace: ws.slug, workspaceUuid: ws.uuid };
  const pass: Pass = { client, store, window, ref: wsRef, read: new Map(), streams };
  for (const step of workspaceSteps(true, streams)) await readStep(pass, step, ws.uuid);
  for (const repo of pass.read.get('repositories') ?? []) {
    const { slug, uuid } = repo.payload as { slug: string; uuid: string };
    const ref = { ...wsRef, repository: slug, repositoryUuid: uuid };
    const repoPass: Pass = { ...pass, ref, repo: uuid, read: new Map() };
    for (const step of repositorySteps(true, streams)) await readStep(repoPass, step, uuid);
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
