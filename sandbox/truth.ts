// Ground truth for tests: what the API would return for each stream of a workspace at the
// current clock, as counts and natural keys (the same keys the extractor derives).
import type { Workspace } from './data/model';
import type { SandboxStore } from './data/store';
import { isoOffset } from './render/time';

export const STREAMS = [
  'workspaces',
  'members',
  'permissions',
  'projects',
  'repositories',
  'branches',
  'commits',
  'pullrequests',
  'pr_activity',
  'pr_comments',
  'pr_commits',
  'pr_tasks',
  'project_group_permissions',
  'project_user_permissions',
  'group_members',
  'pipelines',
  'pipeline_steps',
  'environments',
  'deployments',
] as const;
export type StreamName = (typeof STREAMS)[number];

export interface Truth {
  now: string;
  workspace: string;
  counts: Record<StreamName, number>;
  keys: Record<StreamName, string[]>;
  /** How many records each list holds, one entry per parent (0 for an empty list): what reading every list once costs. */
  lists: Record<StreamName, number[]>;
  /** Repositories the clock has removed (the API answers 404 for them). */
  removedRepositories: string[];
  /**
   * Pipelines and deployments by state as the API names them (`state.name`, then the stage, result
   * or status name): `COMPLETED/SUCCESSFUL`, `IN_PROGRESS/HALTED`, `PENDING`, `UNDEPLOYED` …
   */
  states: { pipelines: Record<string, number>; deployments: Record<string, number> };
}

function tally(counts: Record<string, number>, state: string, detail: string | undefined): void {
  const key = detail === undefined ? state : `${state}/${detail}`;
  counts[key] = (counts[key] ?? 0) + 1;
}

export function groundTruth(store: SandboxStore, ws: Workspace): Truth {
  const keys = Object.fromEntries(STREAMS.map((s) => [s, [] as string[]])) as Record<StreamName, string[]>;
  const users = store.world.users;
  const states: Truth['states'] = { pipelines: {}, deployments: {} };
  const lists = Object.fromEntries(STREAMS.map((s) => [s, [] as number[]])) as Record<StreamName, number[]>;
  /** What `body` adds to `keys[stream]`, as one more list of that stream. */
  const listed = (stream: StreamName, body: () => void) => {
    const before = keys[stream].length;
    body();
    lists[stream].push(keys[stream].length - before);
  };
  keys.workspaces.push(ws.uuid);
  lists.workspaces.push(1);
  listed('members', () => {
    listed('permissions', () => {
      for (const m of store.currentMembers(ws)) {
        const key = `${ws.uuid}:${users[m.userIdx]?.uuid}`;
        keys.members.push(key);
        keys.permissions.push(key);
      }
    });
  });
  listed('projects', () => {
    for (const p of ws.projects) keys.projects.push(p.uuid);
  });
  for (const p of ws.projects) {
    listed('project_group_permissions', () => {
      for (const { group } of store.projectGroups(ws, p))
        keys.project_group_permissions.push(`${p.uuid}:${group.slug}`);
    });
    listed('project_user_permissions', () => {
      for (const d of store.projectUserPermissions(ws, p))
        keys.project_user_permissions.push(`${p.uuid}:${users[d.userIdx]?.uuid}`);
    });
  }
  // One API 1.0 answer holds every group with its members.
  listed('group_members', () => {
    for (const g of ws.groups) {
      for (const m of store.groupMembers(ws, g))
        keys.group_members.push(`${ws.uuid}:${g.slug}:${users[m.userIdx]?.uuid}`);
    }
  });
  const repositories = store.liveRepositories(ws);
  listed('repositories', () => {
    for (const repo of repositories) keys.repositories.push(repo.uuid);
  });
  for (const repo of repositories) {
    const r = repo.uuid;
    const data = store.simulation(ws, repo).data;
    listed('branches', () => {
      for (const b of data.branches) keys.branches.push(`${r}:${b.name}`);
    });
    listed('commits', () => {
      for (const c of data.commits) keys.commits.push(`${r}:${c.hash}`);
    });
    listed('pullrequests', () => {
      for (const pr of data.pullRequests) keys.pullrequests.push(`${r}:${pr.id}`);
    });
    for (const pr of data.pullRequests) {
      listed('pr_comments', () => {
        for (const c of pr.comments) keys.pr_comments.push(`${r}:${c.id}`);
      });
      listed('pr_commits', () => {
        for (const h of pr.commitHashes) keys.pr_commits.push(`${r}:${pr.id}:${h}`);
      });
      listed('pr_tasks', () => {
        for (const t of pr.tasks) keys.pr_tasks.push(`${r}:${pr.id}:${t.id}`);
      });
      // The per-PR lists and the repository-wide `/pullrequests/activity` hold these same records.
      listed('pr_activity', () => {
        for (const a of pr.activity) {
          const who = a.kind === 'comment' ? `comment-${a.commentId}` : users[a.userIdx]?.uuid;
          keys.pr_activity.push(`${r}:${pr.id}:${a.kind}:${isoOffset(a.at)}:${who}`);
        }
      });
    }
    listed('pipelines', () => {
      for (const p of data.pipelines) keys.pipelines.push(p.uuid);
    });
    for (const p of data.pipelines) {
      const detail = {
        PENDING: undefined,
        IN_PROGRESS: p.stage ?? 'RUNNING',
        COMPLETED: p.result ?? 'SUCCESSFUL',
      };
      tally(states.pipelines, p.state, detail[p.state]);
      listed('pipeline_steps', () => {
        for (const s of p.steps) keys.pipeline_steps.push(s.uuid);
      });
    }
    listed('environments', () => {
      for (const e of data.environments) keys.environments.push(e.uuid);
    });
    listed('deployments', () => {
      for (const d of data.deployments) {
        keys.deployments.push(d.uuid);
        tally(states.deployments, d.state, d.state === 'COMPLETED' ? (d.status ?? 'SUCCESSFUL') : undefined);
      }
    });
  }
  const counts = Object.fromEntries(STREAMS.map((s) => [s, keys[s].length])) as Record<StreamName, number>;
  const removedRepositories = ws.repositories
    .filter((r) => r.deletedAtMs !== undefined && r.deletedAtMs <= store.nowMs)
    .map((r) => r.uuid);
  return {
    now: isoOffset({ ms: store.nowMs, us: 0 }),
    workspace: ws.slug,
    counts,
    keys,
    lists,
    removedRepositories,
    states,
  };
}
