// Internal records → Bitbucket Cloud API 2.0 JSON, field for field as the real service returns
// them (including fields the OpenAPI schema does not list, like `slug` on repositories).
import type {
  Commit,
  Deployment,
  Environment,
  Membership,
  Participant,
  Pipeline,
  PipelineStep,
  PrActivity,
  PrComment,
  Project,
  PrTask,
  PullRequest,
  RepositoryMeta,
  User,
  Workspace,
} from '../data/model';
import type { RepositorySimulation } from '../data/repository';
import { isoOffset, isoZulu } from './time';

type Json = Record<string, unknown>;

const href = (url: string) => ({ href: url });
const enc = encodeURIComponent;

function rendered(raw: string) {
  const html = `<p>${raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`;
  return { type: 'rendered', raw, markup: 'markdown', html };
}

export class Renderer {
  constructor(
    /** e.g. http://127.0.0.1:7990/2.0 */
    readonly apiUrl: string,
    /** e.g. http://127.0.0.1:7990 (stands in for https://bitbucket.org) */
    readonly webUrl: string,
    private readonly users: readonly User[],
  ) {}

  account(userIdx: number | undefined): Json | null {
    if (userIdx === undefined) return null;
    const u = this.users[userIdx] as User;
    return {
      type: u.kind,
      uuid: u.uuid,
      account_id: u.accountId,
      display_name: u.displayName,
      nickname: u.nickname,
      links: {
        self: href(`${this.apiUrl}/users/${enc(u.uuid)}`),
        avatar: href(`${this.webUrl}/account/${enc(u.uuid)}/avatar/`),
        html: href(`${this.webUrl}/${enc(u.uuid)}/`),
      },
    };
  }

  currentUser(userIdx: number): Json {
    const u = this.users[userIdx] as User;
    return {
      ...this.account(userIdx),
      account_status: 'active',
      created_on: isoOffset(u.createdOn),
      has_2fa_enabled: null,
      is_staff: false,
      location: null,
      website: null,
    };
  }

  workspaceLink(ws: Workspace): Json {
    return {
      type: 'workspace',
      uuid: ws.uuid,
      slug: ws.slug,
      name: ws.name,
      links: {
        self: href(`${this.apiUrl}/workspaces/${ws.slug}`),
        html: href(`${this.webUrl}/${ws.slug}/`),
        avatar: href(`${this.webUrl}/workspaces/${ws.slug}/avatar/`),
      },
    };
  }

  workspace(ws: Workspace): Json {
    return {
      ...this.workspaceLink(ws),
      is_private: ws.isPrivate,
      is_privacy_enforced: false,
      forking_mode: 'internal_only',
      created_on: isoOffset(ws.createdOn),
      updated_on: isoOffset(ws.updatedOn),
      links: {
        ...(this.workspaceLink(ws).links as Json),
        members: href(`${this.apiUrl}/workspaces/${ws.slug}/members`),
        projects: href(`${this.apiUrl}/workspaces/${ws.slug}/projects`),
        repositories: href(`${this.apiUrl}/repositories/${ws.slug}`),
      },
    };
  }

  /** As in the spec's example for GET /user/workspaces: a bare workspace_base (links: avatar and self only). */
  workspaceAccess(ws: Workspace, administrator: boolean): Json {
    return {
      type: 'workspace_access',
      administrator,
      workspace: {
        type: 'workspace_base',
        uuid: ws.uuid,
        slug: ws.slug,
        links: {
          avatar: href(`${this.webUrl}/workspaces/${ws.slug}/avatar/`),
          self: href(`${this.apiUrl}/workspaces/${ws.slug}`),
        },
      },
    };
  }

  membership(ws: Workspace, m: Membership): Json {
    return {
      type: 'workspace_membership',
      user: this.account(m.userIdx),
      workspace: this.workspaceLink(ws),
      links: {
        self: href(
          `${this.apiUrl}/workspaces/${ws.slug}/members/${enc((this.users[m.userIdx] as User).uuid)}`,
        ),
      },
    };
  }

  permission(ws: Workspace, m: Membership, lastAccessedMs: number | undefined): Json {
    const json: Json = {
      type: 'workspace_membership',
      permission: m.permission,
      user: this.account(m.userIdx),
      workspace: this.workspaceLink(ws),
    };
    // Workspaces managed in admin.atlassian.com no longer carry these timestamps.
    if (ws.membershipTimestamps) {
      json.added_on = isoOffset(m.addedOn);
      json.last_accessed = lastAccessedMs === undefined ? null : isoOffset({ ms: lastAccessedMs, us: 0 });
    }
    return json;
  }

  projectLink(ws: Workspace, p: Project): Json {
    return {
      type: 'project',
      key: p.key,
      uuid: p.uuid,
      name: p.name,
      links: {
        self: href(`${this.apiUrl}/workspaces/${ws.slug}/projects/${p.key}`),
        html: href(`${this.webUrl}/${ws.slug}/workspace/projects/${p.key}`),
        avatar: href(`${this.webUrl}/${ws.slug}/workspace/projects/${p.key}/avatar/32`),
      },
    };
  }

  project(ws: Workspace, p: Project): Json {
    return {
      ...this.projectLink(ws, p),
      description: p.description,
      is_private: p.isPrivate,
      created_on: isoOffset(p.createdOn),
      updated_on: isoOffset(p.updatedOn),
      has_publicly_visible_repos: false,
      workspace: this.workspaceLink(ws),
      owner: { type: 'team', uuid: ws.uuid, username: ws.slug, display_name: ws.name },
    };
  }

  repositoryLink(ws: Workspace, r: RepositoryMeta): Json {
    const base = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}`;
    return {
      type: 'repository',
      full_name: `${ws.slug}/${r.slug}`,
      name: r.name,
      uuid: r.uuid,
      links: {
        self: href(base),
        html: href(`${this.webUrl}/${ws.slug}/${r.slug}`),
        avatar: href(`${this.webUrl}/${ws.slug}/${r.slug}/avatar/32/`),
      },
    };
  }

  repository(ws: Workspace, r: RepositoryMeta, sim: RepositorySimulation): Json {
    const base = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}`;
    const project = ws.projects.find((p) => p.key === r.projectKey);
    const last = sim.data.commits.reduce((a, c) => (c.date.ms > a.ms ? c.date : a), r.createdOn);
    const link = this.repositoryLink(ws, r);
    return {
      ...link,
      slug: r.slug,
      description: r.description,
      scm: 'git',
      is_private: r.isPrivate,
      owner: { type: 'team', uuid: ws.uuid, username: ws.slug, display_name: ws.name },
      workspace: this.workspaceLink(ws),
      project: project ? this.projectLink(ws, project) : null,
      mainbranch: { type: 'branch', name: 'main' },
      created_on: isoOffset(r.createdOn),
      updated_on: isoOffset(last),
      size: 40_000 + sim.data.commits.length * 2_100,
      language: r.language,
      has_issues: false,
      has_wiki: false,
      fork_policy: 'no_public_forks',
      override_settings: { default_merge_strategy: true, branching_model: true },
      links: {
        ...(link.links as Json),
        pullrequests: href(`${base}/pullrequests`),
        commits: href(`${base}/commits`),
        branches: href(`${base}/refs/branches`),
        clone: [
          { name: 'https', href: `${this.webUrl}/${ws.slug}/${r.slug}.git` },
          { name: 'ssh', href: `git@bitbucket.example:${ws.slug}/${r.slug}.git` },
        ],
      },
    };
  }

  private commitRef(ws: Workspace, r: RepositoryMeta, hash: string): Json {
    return {
      type: 'commit',
      hash,
      links: { self: href(`${this.apiUrl}/repositories/${ws.slug}/${r.slug}/commit/${hash}`) },
    };
  }

  commit(ws: Workspace, r: RepositoryMeta, c: Commit): Json {
    const author: Json = { type: 'author', raw: c.authorRaw };
    if (c.authorIdx !== undefined) author.user = this.account(c.authorIdx);
    return {
      ...this.commitRef(ws, r, c.hash),
      date: isoOffset(c.date),
      author,
      message: c.message,
      summary: rendered(c.message),
      parents: c.parents.map((p) => this.commitRef(ws, r, p)),
      repository: this.repositoryLink(ws, r),
    };
  }

  branch(ws: Workspace, r: RepositoryMeta, sim: RepositorySimulation, name: string, headHash: string): Json {
    const head = sim.commitByHash(headHash);
    return {
      type: 'branch',
      name,
      target: head ? this.commit(ws, r, head) : this.commitRef(ws, r, headHash),
      merge_strategies: ['merge_commit', 'squash', 'fast_forward'],
      default_merge_strategy: 'merge_commit',
      links: { self: href(`${this.apiUrl}/repositories/${ws.slug}/${r.slug}/refs/branches/${enc(name)}`) },
    };
  }

  private prLink(ws: Workspace, r: RepositoryMeta, pr: PullRequest): Json {
    return {
      type: 'pullrequest',
      id: pr.id,
      title: pr.title,
      links: {
        self: href(`${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pullrequests/${pr.id}`),
        html: href(`${this.webUrl}/${ws.slug}/${r.slug}/pull-requests/${pr.id}`),
      },
    };
  }

  private endpoint(ws: Workspace, r: RepositoryMeta, branch: string, hash: string): Json {
    return {
      branch: { name: branch },
      commit: { type: 'commit', hash: hash.slice(0, 12), links: this.commitRef(ws, r, hash).links },
      repository: this.repositoryLink(ws, r),
    };
  }

  participant(p: Participant): Json {
    return {
      type: 'participant',
      user: this.account(p.userIdx),
      role: p.role,
      approved: p.approved,
      state: p.state,
      participated_on: p.participatedOn ? isoOffset(p.participatedOn) : null,
    };
  }

  /** The full pull request; the collection hides `reviewers` and `participants` (see PR_HIDDEN_FIELDS). */
  pullRequest(ws: Workspace, r: RepositoryMeta, pr: PullRequest): Json {
    const base = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pullrequests/${pr.id}`;
    const link = this.prLink(ws, r, pr);
    return {
      ...link,
      description: pr.description,
      rendered: { title: rendered(pr.title), description: rendered(pr.description) },
      summary: rendered(pr.description),
      state: pr.state,
      author: this.account(pr.authorIdx),
      source: this.endpoint(ws, r, pr.sourceBranch, pr.sourceHash),
      destination: this.endpoint(ws, r, pr.destinationBranch, pr.destinationHash),
      merge_commit: pr.mergeHash ? this.commitRef(ws, r, pr.mergeHash.slice(0, 12)) : null,
      comment_count: pr.comments.filter((c) => !c.deleted).length,
      task_count: pr.tasks.length,
      close_source_branch: pr.closeSourceBranch,
      closed_by: pr.state === 'OPEN' ? null : this.account(pr.closedByIdx),
      reason: pr.reason,
      created_on: isoOffset(pr.createdOn),
      updated_on: isoOffset(pr.updatedOn),
      draft: pr.draft,
      queued: false,
      reviewers: pr.participants.filter((p) => p.role === 'REVIEWER').map((p) => this.account(p.userIdx)),
      participants: pr.participants.map((p) => this.participant(p)),
      links: {
        ...(link.links as Json),
        commits: href(`${base}/commits`),
        approve: href(`${base}/approve`),
        diff: href(`${base}/diff`),
        diffstat: href(`${base}/diffstat`),
        comments: href(`${base}/comments`),
        activity: href(`${base}/activity`),
        statuses: href(`${base}/statuses`),
      },
    };
  }

  /** The short comment object other objects point at ({type, id, links}). */
  private commentLink(ws: Workspace, r: RepositoryMeta, pr: PullRequest, id: number): Json {
    return {
      type: 'pullrequest_comment',
      id,
      links: {
        self: href(`${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pullrequests/${pr.id}/comments/${id}`),
        html: href(`${this.webUrl}/${ws.slug}/${r.slug}/pull-requests/${pr.id}#comment-${id}`),
      },
    };
  }

  /** A pull request task (OpenAPI pullrequest_comment_task): resolved_* only once resolved. */
  task(ws: Workspace, r: RepositoryMeta, pr: PullRequest, t: PrTask): Json {
    const self = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pullrequests/${pr.id}/tasks/${t.id}`;
    const json: Json = {
      id: t.id,
      created_on: isoOffset(t.createdOn),
      updated_on: isoOffset(t.updatedOn),
      state: t.state,
      content: rendered(t.text),
      creator: this.account(t.creatorIdx),
      pending: false,
      links: {
        self: href(self),
        html: href(`${this.webUrl}/${ws.slug}/${r.slug}/pull-requests/${pr.id}`),
      },
    };
    if (t.resolvedOn) json.resolved_on = isoOffset(t.resolvedOn);
    if (t.resolvedByIdx !== undefined) json.resolved_by = this.account(t.resolvedByIdx);
    if (t.commentId !== undefined) json.comment = this.commentLink(ws, r, pr, t.commentId);
    return json;
  }

  comment(ws: Workspace, r: RepositoryMeta, pr: PullRequest, c: PrComment): Json {
    const self = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pullrequests/${pr.id}/comments/${c.id}`;
    const json: Json = {
      type: 'pullrequest_comment',
      id: c.id,
      created_on: isoOffset(c.createdOn),
      updated_on: isoOffset(c.updatedOn),
      content: rendered(c.deleted ? '' : c.text),
      user: this.account(c.userIdx),
      deleted: c.deleted,
      pending: false,
      pullrequest: this.prLink(ws, r, pr),
      links: {
        self: href(self),
        html: href(`${this.webUrl}/${ws.slug}/${r.slug}/pull-requests/${pr.id}#comment-${c.id}`),
      },
    };
    if (c.parentId !== undefined) json.parent = this.commentLink(ws, r, pr, c.parentId);
    if (c.inline) json.inline = { path: c.inline.path, from: null, to: c.inline.to };
    return json;
  }

  activity(ws: Workspace, r: RepositoryMeta, pr: PullRequest, a: PrActivity): Json {
    const pull_request = this.prLink(ws, r, pr);
    switch (a.kind) {
      case 'comment': {
        const comment = pr.comments.find((c) => c.id === a.commentId) as PrComment;
        return { comment: this.comment(ws, r, pr, comment), pull_request };
      }
      case 'approval':
        return {
          approval: { date: isoOffset(a.at), user: this.account(a.userIdx), pullrequest: pull_request },
          pull_request,
        };
      case 'changes_requested':
        return {
          changes_requested: {
            date: isoOffset(a.at),
            user: this.account(a.userIdx),
            pullrequest: pull_request,
          },
          pull_request,
        };
      case 'update':
        return {
          update: {
            state: a.state,
            title: pr.title,
            description: pr.description,
            reason: a.state === 'DECLINED' ? pr.reason : '',
            author: this.account(a.userIdx),
            date: isoOffset(a.at),
            source: this.endpoint(ws, r, pr.sourceBranch, a.sourceHash),
            destination: this.endpoint(ws, r, pr.destinationBranch, pr.destinationHash),
          },
          pull_request,
        };
    }
  }

  diffstat(pr: PullRequest): Json[] {
    // One entry per changed file; the line totals add up to the pull request's size.
    return Array.from({ length: pr.filesChanged }, (_, i) => {
      const path = `src/module_${pr.id}_${i}.ts`;
      const share = (n: number) => Math.floor(n / pr.filesChanged) + (i < n % pr.filesChanged ? 1 : 0);
      return {
        type: 'diffstat',
        status: 'modified',
        lines_added: share(pr.linesAdded),
        lines_removed: share(pr.linesRemoved),
        old: { path, type: 'commit_file', escaped_path: path },
        new: { path, type: 'commit_file', escaped_path: path },
      };
    });
  }

  /** A pipeline's or step's state object, as in the spec: `type` and `name`, with a `stage` or `result`. */
  private runState(
    kind: 'pipeline' | 'pipeline_step',
    state: Pipeline['state'] | PipelineStep['state'],
    stage: Pipeline['stage'],
    result: string | undefined,
  ): Json {
    if (state === 'COMPLETED') {
      const r = result ?? 'SUCCESSFUL';
      return {
        name: 'COMPLETED',
        type: `${kind}_state_completed`,
        result: { name: r, type: `${kind}_state_completed_${r.toLowerCase()}` },
      };
    }
    const json: Json = { name: state, type: `${kind}_state_${state.toLowerCase()}` };
    if (kind === 'pipeline' && state === 'IN_PROGRESS') {
      const s = stage ?? 'RUNNING';
      json.stage = { name: s, type: `pipeline_state_in_progress_${s.toLowerCase()}` };
    }
    return json;
  }

  pipeline(ws: Workspace, r: RepositoryMeta, p: Pipeline): Json {
    const self = `${this.apiUrl}/repositories/${ws.slug}/${r.slug}/pipelines/${enc(p.uuid)}`;
    const commit = { type: 'commit', hash: p.commitHash, links: this.commitRef(ws, r, p.commitHash).links };
    const target =
      p.trigger === 'PULL_REQUEST'
        ? {
            type: 'pipeline_pullrequest_target',
            source: p.refName,
            destination: 'main',
            commit,
            selector: { type: 'pull-requests', pattern: '**' },
            pullrequest: { type: 'pullrequest', id: p.pullRequestId },
          }
        : {
            type: 'pipeline_ref_target',
            ref_type: 'branch',
            ref_name: p.refName,
            commit,
            selector:
              p.trigger === 'SCHEDULE'
                ? { type: 'custom', pattern: 'nightly' }
                : { type: 'branches', pattern: p.refName },
          };
    const json: Json = {
      type: 'pipeline',
      uuid: p.uuid,
      build_number: p.buildNumber,
      repository: this.repositoryLink(ws, r),
      target,
      trigger: { name: p.trigger, type: `pipeline_trigger_${p.trigger.toLowerCase()}` },
      state: this.runState('pipeline', p.state, p.stage, p.result),
      created_on: isoZulu(p.createdOn),
      run_number: 1,
      build_seconds_used: p.buildSeconds,
      duration_in_seconds: p.completedOn ? Math.round((p.completedOn.ms - p.createdOn.ms) / 1000) : null,
      links: { self: href(self), steps: href(`${self}/steps`) },
    };
    // Optional fields real answers sometimes lack: a trigger now and then; build seconds until the
    // run completes, and now and then after.
    if (p.omits?.trigger) delete json.trigger;
    if (p.state !== 'COMPLETED' || p.omits?.buildSeconds) delete json.build_seconds_used;
    // A run nobody started (schedule, unlinked pusher) has no creator; the spec's `account` is not nullable.
    if (p.creatorIdx !== undefined) json.creator = this.account(p.creatorIdx);
    if (p.completedOn) json.completed_on = isoZulu(p.completedOn);
    return json;
  }

  step(p: Pipeline, s: PipelineStep): Json {
    const json: Json = {
      type: 'pipeline_step',
      uuid: s.uuid,
      name: s.name,
      state: this.runState('pipeline_step', s.state, undefined, s.result),
      image: { name: s.image },
      setup_commands: [],
      script_commands: [{ name: 'script', command: 'make ci' }],
      build_seconds_used: s.buildSeconds,
      duration_in_seconds:
        s.startedOn && s.completedOn ? Math.round((s.completedOn.ms - s.startedOn.ms) / 1000) : null,
      run_number: 1,
      maxTime: 120,
      trigger: { type: `pipeline_step_trigger_${s.manual ? 'manual' : 'automatic'}` },
      pipeline: { type: 'pipeline', uuid: p.uuid },
    };
    if (s.state !== 'COMPLETED') delete json.build_seconds_used;
    if (s.startedOn) json.started_on = isoZulu(s.startedOn);
    if (s.completedOn) json.completed_on = isoZulu(s.completedOn);
    return json;
  }

  environment(e: Environment): Json {
    return {
      type: 'deployment_environment',
      uuid: e.uuid,
      name: e.name,
      slug: e.slug,
      rank: e.rank,
      environment_type: { type: 'deployment_environment_type', name: e.type, rank: e.rank },
      category: { name: e.type },
      deployment_gate_enabled: false,
      environment_lock_enabled: false,
      hidden: false,
      lock: { type: 'deployment_environment_lock_open', name: 'OPEN' },
      restrictions: { type: 'deployment_restrictions_configuration', admin_only: e.type === 'Production' },
    };
  }

  /** A deployment; its times are written like the pipelines' (`Z`). */
  deployment(ws: Workspace, r: RepositoryMeta, d: Deployment, environments: readonly Environment[]): Json {
    const env = environments.find((e) => e.uuid === d.environmentUuid) as Environment;
    const url = `${this.webUrl}/${ws.slug}/${r.slug}/pipelines/results/${enc(d.pipelineUuid)}`;
    const state: Json = { type: `deployment_state_${d.state.toLowerCase()}`, name: d.state };
    if (d.state === 'UNDEPLOYED') state.trigger_url = url;
    else {
      state.url = url;
      if (d.deployerIdx !== undefined) state.deployer = this.account(d.deployerIdx);
      if (d.state === 'COMPLETED') {
        const status = d.status ?? 'SUCCESSFUL';
        state.status = { type: `deployment_state_completed_status_${status.toLowerCase()}`, name: status };
      }
      if (d.startedOn) state.start_date = isoZulu(d.startedOn);
      if (d.state === 'COMPLETED') state.completion_date = d.completedOn ? isoZulu(d.completedOn) : null;
    }
    const environment: Json = {
      type: 'deployment_environment',
      uuid: env.uuid,
      name: env.name,
      environment_type: { name: env.type },
    };
    // Some real answers name the environment without its uuid.
    if (d.environmentWithoutUuid) delete environment.uuid;
    return {
      type: 'deployment',
      uuid: d.uuid,
      state,
      environment,
      release: {
        type: 'deployment_release',
        uuid: `{${d.uuid.slice(1, 9)}-release}`,
        name: d.releaseName,
        url,
        commit: this.commitRef(ws, r, d.commitHash),
        created_on: isoZulu(d.createdOn),
      },
      step: { uuid: d.stepUuid },
      last_update_time: isoZulu(d.lastUpdate),
    };
  }
}

/** Fields the PR collection leaves out unless asked for with `fields=+values.…`. */
export const PR_HIDDEN_FIELDS = ['values.reviewers', 'values.participants'];
