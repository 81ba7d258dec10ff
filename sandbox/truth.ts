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
  keys.workspaces.push(ws.uuid);
  for (const m of store.currentMembers(ws)) {
    const key = `${ws.uuid}:${users[m.userIdx]?.uuid}`;
    keys.members.push(key);
    keys.permissions.push(key);
  }
  for (const p of ws.projects) {
    keys.projects.push(p.uuid);
    for (const { group } of store.projectGroups(ws, p))
      keys.project_group_permissions.push(`${p.uuid}:${group.slug}`);
    for (const d of store.projectUserPermissions(ws, p))
      keys.project_user_permissions.push(`${p.uuid}:${users[d.userIdx]?.uuid}`);
  }
  for (const g of ws.groups) {
    for (const m of store.groupMembers(ws, g))
      keys.group_members.push(`${ws.uuid}:${g.slug}:${users[m.userIdx]?.uuid}`);
  }
  for (const repo of store.liveRepositories(ws)) {
    const r = repo.uuid;
    keys.repositories.push(r);
    const data = store.simulation(ws, repo).data;
    for (const b of data.branches) keys.branches.push(`${r}:${b.name}`);
    for (const c of data.commits) keys.commits.push(`${r}:${c.hash}`);
    for (const pr of data.pullRequests) {
      keys.pullrequests.push(`${r}:${pr.id}`);
      for (const c of pr.comments) keys.pr_comments.push(`${r}:${c.id}`);
      for (const h of pr.commitHashes) keys.pr_commits.push(`${r}:${pr.id}:${h}`);
      for (const t of pr.tasks) keys.pr_tasks.push(`${r}:${pr.id}:${t.id}`);
      // The per-PR lists and the repository-wide `/pullrequests/activity` hold these same records.
      for (const a of pr.activity) {
        const who = a.kind === 'comment' ? `comment-${a.commentId}` : users[a.userIdx]?.uuid;
        keys.pr_activity.push(`${r}:${pr.id}:${a.kind}:${isoOffset(a.at)}:${who}`);
      }
    }
    for (const p of data.pipelines) {
      keys.pipelines.push(p.uuid);
      const detail = {
        PENDING: undefined,
        IN_PROGRESS: p.stage ?? 'RUNNING',
        COMPLETED: p.result ?? 'SUCCESSFUL',
      };
      tally(states.pipelines, p.state, detail[p.state]);
      for (const s of p.steps) keys.pipeline_steps.push(s.uuid);
    }
    for (const e of data.environments) keys.environments.push(e.uuid);
    for (const d of data.deployments) {
      keys.deployments.push(d.uuid);
      tally(states.deployments, d.state, d.state === 'COMPLETED' ? (d.status ?? 'SUCCESSFUL') : undefined);
    }
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
    removedRepositories,
    states,
  };
}
