// The stream catalog: every Bitbucket collection bbetl extracts, declared once. A stream says
// where it lives, how big its pages may be, which fields it asks for, how each record is keyed,
// which OAuth scope it needs, and how it is read incrementally:
//   relist     full re-list every run; deletions are found by id reconciliation
//   updated_on closed window on updated_on, read with keyset pages (see iterate.ts)
//   commits    newest first; stops at already-seen hashes (commits have no updated_on)
//   pipelines  newest first by created_on; unfinished runs are re-polled by uuid
//   children   the full child list of a parent that changed in the window
// One stream (group_members) is an API 1.0 resource: an unpaged JSON array that `legacy` turns
// into records, reconciled like a re-list.
import { BitbucketError } from '../errors';

export type StreamName =
  | 'workspaces'
  | 'members'
  | 'permissions'
  | 'projects'
  | 'repositories'
  | 'branches'
  | 'commits'
  | 'pullrequests'
  | 'pr_activity'
  | 'pr_comments'
  | 'pr_commits'
  | 'pr_tasks'
  | 'project_group_permissions'
  | 'project_user_permissions'
  | 'group_members'
  | 'pipelines'
  | 'pipeline_steps'
  | 'environments'
  | 'deployments';

export type Strategy = 'relist' | 'updated_on' | 'commits' | 'pipelines' | 'children';
export type ParentKind = 'root' | 'workspace' | 'project' | 'repository' | 'pullrequest' | 'pipeline';

export interface ParentRef {
  workspace?: string;
  workspaceUuid?: string;
  projectKey?: string;
  projectUuid?: string;
  repository?: string;
  repositoryUuid?: string;
  pullRequestId?: number;
  pipelineUuid?: string;
}

// API payloads are untyped JSON; keys are read defensively through str()/num() below.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;

export interface StreamDef {
  name: StreamName;
  parent: ParentKind;
  /** Path under the API base URL (under /1.0 for a `legacy` stream). */
  path: (p: Required<ParentRef>) => string;
  /** The largest page the endpoint serves (0: not paged). */
  maxPagelen: number;
  query?: Record<string, string | readonly string[]>;
  /** `fields=` projection: drop what no model reads, add what the collection hides. */
  fields?: string;
  /** The natural key (unique per connection); undefined means the record is malformed. */
  key: (record: Json, p: Required<ParentRef>) => string | undefined;
  /** The key of the parent entity, for child streams. */
  parentKey?: (p: Required<ParentRef>, record: Json) => string | undefined;
  /** The record's last-change time, when it has one. */
  updatedOn?: (record: Json) => string | undefined;
  strategy: Strategy;
  /** Classic OAuth scope the endpoint needs. */
  scope: 'account' | 'repository' | 'pullrequest' | 'project' | 'project:admin' | 'pipeline';
  /** An API 1.0 resource (path under /1.0, one unpaged answer): its records, out of the body. */
  legacy?: (body: unknown, p: Required<ParentRef>) => unknown[];
  /**
   * A pull request child also listed for the whole repository (newest first, every record naming
   * its pull request): that list's path. Records keyed from it equal the per-PR list's.
   */
  repositoryWidePath?: (p: Required<ParentRef>) => string;
  /** The parent's field counting this list's records (0: nothing to read, if it is right). */
  parentCount?: string;
}

const enc = encodeURIComponent;
// Workspaces and repositories are addressed by uuid (`{…}`, URL-encoded): a slug changes with a
// rename, so a repository renamed during a sync stays the same repository, not a 404.
const wsId = (p: Required<ParentRef>) => enc(p.workspaceUuid || p.workspace);
const repoPath = (p: Required<ParentRef>) =>
  `/repositories/${wsId(p)}/${enc(p.repositoryUuid || p.repository)}`;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const keyOf = (...parts: unknown[]) => (parts.every((x) => x !== undefined) ? parts.join(':') : undefined);
const LINKS = '-values.links';
const projectPath = (p: Required<ParentRef>) => `/workspaces/${wsId(p)}/projects/${enc(p.projectKey)}`;

/**
 * `GET /1.0/groups/{workspace}` answers every group with its members; the stream keeps one record
 * per (group, member), with just the group, the person and the workspace.
 */
function groupMemberships(body: unknown, p: Required<ParentRef>): Json[] {
  if (!Array.isArray(body))
    throw new BitbucketError('BAD_PAYLOAD', 'group_members: the answer is not a JSON array');
  return body.flatMap((group: Json) =>
    (Array.isArray(group?.members) ? group.members : []).map((member: Json) => ({
      group: { name: group.name, slug: group.slug, permission: group.permission ?? null },
      user: {
        display_name: member?.display_name,
        uuid: member?.uuid,
        nickname: member?.nickname,
        account_id: member?.account_id,
      },
      workspace: { uuid: p.workspaceUuid, slug: p.workspace },
    })),
  );
}

/**
 * The pull request an activity item belongs to: the list's own (per-PR list), else the one the
 * item names (repository-wide list).
 */
export function activityPullRequestId(record: Json, p: Required<ParentRef>): number | undefined {
  if (p.pullRequestId) return p.pullRequestId;
  return num(record.pull_request?.id) ?? num(record.comment?.pullrequest?.id);
}

/** Activity items have no id: the key is what happened, when, and by whom (or which comment). */
function activityKey(record: Json, p: Required<ParentRef>): string | undefined {
  const prId = activityPullRequestId(record, p);
  if (prId === undefined) return undefined;
  const base = `${p.repositoryUuid}:${prId}`;
  if (record.comment)
    return keyOf(
      base,
      'comment',
      str(record.comment.created_on),
      num(record.comment.id) !== undefined ? `comment-${record.comment.id}` : undefined,
    );
  if (record.approval)
    return keyOf(base, 'approval', str(record.approval.date), str(record.approval.user?.uuid));
  if (record.changes_requested) {
    return keyOf(
      base,
      'changes_requested',
      str(record.changes_requested.date),
      str(record.changes_requested.user?.uuid),
    );
  }
  if (record.update) return keyOf(base, 'update', str(record.update.date), str(record.update.author?.uuid));
  return undefined;
}

function activityTime(record: Json): string | undefined {
  return str(
    record.comment?.updated_on ??
      record.approval?.date ??
      record.changes_requested?.date ??
      record.update?.date,
  );
}

export const STREAMS: Record<StreamName, StreamDef> = {
  workspaces: {
    name: 'workspaces',
    parent: 'root',
    path: () => '/user/workspaces',
    maxPagelen: 100,
    key: (r) => str(r.workspace?.uuid),
    strategy: 'relist',
    scope: 'account',
  },
  members: {
    name: 'members',
    parent: 'workspace',
    path: (p) => `/workspaces/${wsId(p)}/members`,
    maxPagelen: 100,
    fields: `${LINKS},-values.workspace.links,-values.user.links`,
    key: (r, p) => keyOf(p.workspaceUuid, str(r.user?.uuid)),
    parentKey: (p) => p.workspaceUuid,
    strategy: 'relist',
    scope: 'account',
  },
  permissions: {
    name: 'permissions',
    parent: 'workspace',
    path: (p) => `/workspaces/${wsId(p)}/permissions`,
    maxPagelen: 100,
    fields: '-values.workspace.links,-values.user.links',
    key: (r, p) => keyOf(p.workspaceUuid, str(r.user?.uuid)),
    parentKey: (p) => p.workspaceUuid,
    strategy: 'relist',
    scope: 'account',
  },
  projects: {
    name: 'projects',
    parent: 'workspace',
    path: (p) => `/workspaces/${wsId(p)}/projects`,
    maxPagelen: 100,
    fields: `${LINKS},-values.workspace.links`,
    key: (r) => str(r.uuid),
    parentKey: (p) => p.workspaceUuid,
    updatedOn: (r) => str(r.updated_on),
    strategy: 'relist',
    scope: 'project',
  },
  repositories: {
    name: 'repositories',
    parent: 'workspace',
    path: (p) => `/repositories/${wsId(p)}`,
    maxPagelen: 100,
    fields: `${LINKS},-values.workspace.links,-values.project.links,-values.owner`,
    key: (r) => str(r.uuid),
    parentKey: (p) => p.workspaceUuid,
    updatedOn: (r) => str(r.updated_on),
    strategy: 'relist',
    scope: 'repository',
  },
  branches: {
    name: 'branches',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/refs/branches`,
    maxPagelen: 100,
    fields:
      'values.name,values.target.hash,values.target.date,values.target.author.raw,values.target.author.user.uuid,next',
    key: (r, p) => keyOf(p.repositoryUuid, str(r.name)),
    parentKey: (p) => p.repositoryUuid,
    updatedOn: (r) => str(r.target?.date),
    strategy: 'relist',
    scope: 'repository',
  },
  commits: {
    name: 'commits',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/commits`,
    maxPagelen: 100,
    fields: `${LINKS},-values.repository,-values.summary,-values.parents.links,-values.author.user.links`,
    key: (r, p) => keyOf(p.repositoryUuid, str(r.hash)),
    parentKey: (p) => p.repositoryUuid,
    updatedOn: (r) => str(r.date),
    strategy: 'commits',
    scope: 'repository',
  },
  pullrequests: {
    name: 'pullrequests',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/pullrequests`,
    maxPagelen: 50,
    // All four states (the list defaults to OPEN only); participants come with the list, which
    // saves one request per pull request.
    query: { state: ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'] },
    fields: `${LINKS},+values.participants,+values.reviewers,-values.rendered,-values.summary,-values.source.repository,-values.destination.repository`,
    key: (r, p) => keyOf(p.repositoryUuid, num(r.id)),
    parentKey: (p) => p.repositoryUuid,
    updatedOn: (r) => str(r.updated_on),
    strategy: 'updated_on',
    scope: 'pullrequest',
  },
  pr_activity: {
    name: 'pr_activity',
    parent: 'pullrequest',
    path: (p) => `${repoPath(p)}/pullrequests/${p.pullRequestId}/activity`,
    maxPagelen: 50,
    fields:
      '-values.pull_request.links,-values.comment.links,-values.comment.pullrequest,-values.update.source.repository,-values.update.destination.repository',
    key: activityKey,
    parentKey: (p, r) => keyOf(p.repositoryUuid, activityPullRequestId(r, p)),
    updatedOn: activityTime,
    repositoryWidePath: (p) => `${repoPath(p)}/pullrequests/activity`,
    strategy: 'children',
    scope: 'pullrequest',
  },
  pr_comments: {
    name: 'pr_comments',
    parent: 'pullrequest',
    path: (p) => `${repoPath(p)}/pullrequests/${p.pullRequestId}/comments`,
    maxPagelen: 100,
    fields: `${LINKS},-values.pullrequest.links,-values.user.links`,
    key: (r, p) => keyOf(p.repositoryUuid, num(r.id)),
    parentKey: (p) => `${p.repositoryUuid}:${p.pullRequestId}`,
    updatedOn: (r) => str(r.updated_on),
    strategy: 'children',
    scope: 'pullrequest',
    parentCount: 'comment_count',
  },
  pr_commits: {
    name: 'pr_commits',
    parent: 'pullrequest',
    path: (p) => `${repoPath(p)}/pullrequests/${p.pullRequestId}/commits`,
    maxPagelen: 100,
    fields: 'values.hash,values.date,values.author.raw,values.author.user.uuid,next',
    key: (r, p) => keyOf(p.repositoryUuid, p.pullRequestId, str(r.hash)),
    parentKey: (p) => `${p.repositoryUuid}:${p.pullRequestId}`,
    updatedOn: (r) => str(r.date),
    strategy: 'children',
    scope: 'pullrequest',
  },
  pr_tasks: {
    name: 'pr_tasks',
    parent: 'pullrequest',
    path: (p) => `${repoPath(p)}/pullrequests/${p.pullRequestId}/tasks`,
    maxPagelen: 100,
    fields: `${LINKS},-values.creator.links,-values.resolved_by.links,-values.comment.links`,
    key: (r, p) => keyOf(p.repositoryUuid, p.pullRequestId, num(r.id)),
    parentKey: (p) => `${p.repositoryUuid}:${p.pullRequestId}`,
    updatedOn: (r) => str(r.updated_on),
    strategy: 'children',
    scope: 'pullrequest',
    parentCount: 'task_count',
  },
  project_group_permissions: {
    name: 'project_group_permissions',
    parent: 'project',
    path: (p) => `${projectPath(p)}/permissions-config/groups`,
    maxPagelen: 100,
    fields: `${LINKS},-values.group.links,-values.group.workspace.links,-values.project.links`,
    key: (r, p) => keyOf(p.projectUuid, str(r.group?.slug)),
    parentKey: (p) => p.projectUuid,
    strategy: 'relist',
    scope: 'project:admin',
  },
  project_user_permissions: {
    name: 'project_user_permissions',
    parent: 'project',
    path: (p) => `${projectPath(p)}/permissions-config/users`,
    maxPagelen: 100,
    fields: `${LINKS},-values.user.links,-values.project.links`,
    key: (r, p) => keyOf(p.projectUuid, str(r.user?.uuid)),
    parentKey: (p) => p.projectUuid,
    strategy: 'relist',
    scope: 'project:admin',
  },
  group_members: {
    name: 'group_members',
    parent: 'workspace',
    path: (p) => `/groups/${enc(p.workspace)}`,
    maxPagelen: 0,
    legacy: groupMemberships,
    key: (r, p) => keyOf(p.workspaceUuid, str(r.group?.slug), str(r.user?.uuid)),
    parentKey: (p, r) => keyOf(p.workspaceUuid, str(r.group?.slug)),
    strategy: 'relist',
    scope: 'account',
  },
  pipelines: {
    name: 'pipelines',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/pipelines`,
    maxPagelen: 100,
    query: { sort: '-created_on' },
    fields: `${LINKS},-values.repository`,
    key: (r) => str(r.uuid),
    parentKey: (p) => p.repositoryUuid,
    updatedOn: (r) => str(r.completed_on ?? r.created_on),
    strategy: 'pipelines',
    scope: 'pipeline',
  },
  pipeline_steps: {
    name: 'pipeline_steps',
    parent: 'pipeline',
    path: (p) => `${repoPath(p)}/pipelines/${enc(p.pipelineUuid)}/steps`,
    maxPagelen: 100,
    fields: '-values.links,-values.setup_commands,-values.script_commands',
    key: (r) => str(r.uuid),
    parentKey: (p) => `${p.repositoryUuid}:${p.pipelineUuid}`,
    updatedOn: (r) => str(r.completed_on ?? r.started_on),
    strategy: 'children',
    scope: 'pipeline',
  },
  environments: {
    name: 'environments',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/environments`,
    maxPagelen: 100,
    key: (r) => str(r.uuid),
    parentKey: (p) => p.repositoryUuid,
    strategy: 'relist',
    scope: 'pipeline',
  },
  deployments: {
    name: 'deployments',
    parent: 'repository',
    path: (p) => `${repoPath(p)}/deployments`,
    maxPagelen: 100,
    fields: '-values.release.commit.links',
    key: (r) => str(r.uuid),
    parentKey: (p) => p.repositoryUuid,
    updatedOn: (r) => str(r.last_update_time),
    strategy: 'relist',
    scope: 'pipeline',
  },
};
