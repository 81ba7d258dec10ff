// Bitbucket Cloud REST API 2.0 endpoints the extractor reads, answering like the real service:
// envelopes, pagelen caps, BBQL `q`, single-field `sort`, `fields=` partial responses, PR state
// defaults, the diffstat redirect, and 410 Gone for retired and sunset endpoints.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PrActivity, Project, PullRequest, RepositoryMeta, Workspace } from '../data/model';
import type { SandboxStore } from '../data/store';
import type { Grant } from '../oauth/grants';
import { AccessRenderer } from '../render/access';
import { PR_HIDDEN_FIELDS, type Renderer } from '../render/objects';
import { BbqlError, compileBbql, sortOrder } from './bbql';
import { ApiError, CHANGE_2770, errorBody, notFound } from './errors';
import { projectFields } from './fields';
import { type Envelope, type PageOptions, paginate } from './pagination';
import { hasScope, V1_GROUPS_SCOPES } from './scopes';

type Json = Record<string, unknown>;
type Params = Record<string, string>;

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant | null;
  }
}

export interface ApiContext {
  store: SandboxStore;
  render: Renderer;
  /** Public base URL of the API, e.g. http://127.0.0.1:7990/2.0 (builds `next` links). */
  apiUrl: string;
  /** Called for every page served (drift faults hook in here). */
  onPage?: (page: number) => void;
  /** Called with every pull request rendered, before it is sent (child-count faults hook in here). */
  onPullRequest?: (repo: RepositoryMeta, pullRequest: Json) => void;
  countRecords: (n: number) => void;
}

const PR_STATES = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'] as const;

const QUERY_FIELDS = {
  repositories: [
    'uuid',
    'name',
    'slug',
    'full_name',
    'description',
    'created_on',
    'updated_on',
    'is_private',
    'language',
    'size',
    'project.key',
    'project.uuid',
    'project.name',
  ],
  branches: ['name', 'target.hash', 'target.date'],
  pullrequests: [
    'id',
    'title',
    'description',
    'state',
    'created_on',
    'updated_on',
    'author.uuid',
    'author.account_id',
    'source.branch.name',
    'destination.branch.name',
    'draft',
    'comment_count',
    'task_count',
    'closed_by.uuid',
    'reason',
  ],
  comments: [
    'id',
    'created_on',
    'updated_on',
    'deleted',
    'user.uuid',
    'user.account_id',
    'content.raw',
    'inline.path',
    'parent.id',
  ],
  userWorkspaces: ['workspace.slug', 'workspace.uuid', 'administrator'],
  members: ['user.uuid', 'user.account_id', 'user.display_name', 'user.nickname'],
  permissions: ['permission', 'user.uuid', 'user.account_id'],
  projects: ['key', 'uuid', 'name', 'description', 'is_private', 'created_on', 'updated_on'],
} as const;

interface RepositoryActivity {
  pr: PullRequest;
  activity: PrActivity;
  /** Position in the pull request's own log, which its per-PR list serves reversed. */
  index: number;
}

/** The repository-wide activity order: newest first, ties by pull request then log position, both descending. */
function newestActivityFirst(a: RepositoryActivity, b: RepositoryActivity): number {
  return (
    b.activity.at.ms - a.activity.at.ms ||
    b.activity.at.us - a.activity.at.us ||
    b.pr.id - a.pr.id ||
    b.index - a.index
  );
}

/** A rendered pipeline's state as `state.name/stage or result`, e.g. `IN_PROGRESS/HALTED`. */
const runState = (p: Json) =>
  `${valueAt(p, 'state.name')}/${valueAt(p, 'state.stage.name') ?? valueAt(p, 'state.result.name') ?? ''}`;

/** The pipelines list's `status` values (the spec's enum) and the runs each selects. */
const PIPELINE_STATUS: Record<string, (p: Json) => boolean> = {
  PARSING: () => false,
  PENDING: (p) => valueAt(p, 'state.name') === 'PENDING',
  BUILDING: (p) => runState(p) === 'IN_PROGRESS/RUNNING',
  PAUSED: (p) => runState(p) === 'IN_PROGRESS/PAUSED',
  HALTED: (p) => runState(p) === 'IN_PROGRESS/HALTED',
  PASSED: (p) => runState(p) === 'COMPLETED/SUCCESSFUL',
  FAILED: (p) => runState(p) === 'COMPLETED/FAILED',
  ERROR: (p) => runState(p) === 'COMPLETED/ERROR',
  STOPPED: (p) => runState(p) === 'COMPLETED/STOPPED',
  UNKNOWN: () => false,
};

function valueAt(record: unknown, path: string): unknown {
  let node = record;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[key];
  }
  return node;
}

export function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, render } = ctx;
  const access = new AccessRenderer(render, store.world.users);
  const apiOrigin = new URL(ctx.apiUrl).origin;
  const requestUrl = (req: FastifyRequest) => new URL(req.url, apiOrigin);
  const query = (req: FastifyRequest) => req.query as Record<string, string | string[] | undefined>;
  const one = (value: string | string[] | undefined) =>
    Array.isArray(value) ? value[value.length - 1] : value;

  function requireScope(req: FastifyRequest, reply: FastifyReply, ...anyOf: string[]): void {
    const granted = req.grant?.scopes ?? [];
    reply.header('X-Accepted-Oauth-Scopes', anyOf.join(', '));
    if (!anyOf.some((s) => hasScope(granted, s))) {
      throw new ApiError(403, 'Your credentials lack one or more required privilege scopes.', undefined, {
        required: anyOf,
        granted,
      });
    }
  }

  function userIdx(req: FastifyRequest): number {
    return req.grant?.userIdx ?? -1;
  }

  function workspaceFor(req: FastifyRequest, idOrSlug: string): Workspace {
    const ws = store.workspace(idOrSlug);
    const member = ws && store.currentMembers(ws).some((m) => m.userIdx === userIdx(req));
    if (!ws || !member) throw notFound(`No workspace with identifier '${idOrSlug}'.`);
    return ws;
  }

  /** Group and permission settings are for workspace admins only. */
  function adminWorkspaceFor(req: FastifyRequest, idOrSlug: string): Workspace {
    const ws = workspaceFor(req, idOrSlug);
    const me = store.currentMembers(ws).find((m) => m.userIdx === userIdx(req));
    if (me?.permission !== 'owner') {
      throw new ApiError(
        403,
        `You must be an administrator of ${ws.slug} to see its groups and permissions.`,
      );
    }
    return ws;
  }

  function projectFor(p: Params, ws: Workspace) {
    const project = ws.projects.find((x) => x.key === p.project_key || x.uuid === p.project_key);
    if (!project) throw notFound(`Project ${p.project_key} not found`);
    return project;
  }

  function repositoryFor(req: FastifyRequest, p: Params): { ws: Workspace; repo: RepositoryMeta } {
    const wsId = p.workspace as string;
    const repoId = p.repo_slug as string;
    // `/repositories/{}/{repository uuid}` finds a repository without its workspace.
    if (wsId === '{}') {
      const found = store.repositoryByUuid(repoId);
      if (found) {
        workspaceFor(req, found.ws.slug);
        return found;
      }
      throw notFound(`Repository ${repoId} not found`);
    }
    const ws = workspaceFor(req, wsId);
    const repo = store.repository(ws, repoId);
    if (!repo) throw notFound(`Repository ${ws.slug}/${repoId} not found`);
    return { ws, repo };
  }

  function pullRequestFor(req: FastifyRequest, p: Params) {
    const { ws, repo } = repositoryFor(req, p);
    const sim = store.simulation(ws, repo);
    const id = Number(p.pull_request_id);
    const pr = sim.data.pullRequests.find((x) => x.id === id);
    if (!pr) throw notFound(`Pull request ${p.pull_request_id} not found`);
    return { ws, repo, sim, pr };
  }

  function filterAndSort(
    req: FastifyRequest,
    items: Json[],
    allowed?: readonly string[],
    sortable?: readonly string[],
  ) {
    let out = items;
    const q = one(query(req).q);
    if (q !== undefined && q !== '') {
      if (!allowed) throw new ApiError(400, 'Filtering is not supported on this resource');
      try {
        out = out.filter(compileBbql(q, new Set(allowed)));
      } catch (err) {
        if (err instanceof BbqlError) throw new ApiError(400, err.message);
        throw err;
      }
    }
    const sort = one(query(req).sort);
    if (sort) {
      const desc = sort.startsWith('-');
      const field = desc ? sort.slice(1) : sort;
      if (!(sortable ?? allowed ?? []).includes(field))
        throw new ApiError(400, `Invalid sort field: ${field}`);
      out = [...out].sort((a, b) => sortOrder(valueAt(a, field), valueAt(b, field)) * (desc ? -1 : 1));
    }
    return out;
  }

  function finishPage(req: FastifyRequest, envelope: Envelope, hidden: readonly string[]) {
    ctx.onPage?.(Number(requestUrl(req).searchParams.get('page') ?? 1));
    ctx.countRecords(envelope.values.length);
    return projectFields(envelope, one(query(req).fields), hidden);
  }

  function sendPage(
    req: FastifyRequest,
    items: unknown[],
    options: PageOptions,
    hidden: readonly string[] = [],
  ) {
    return finishPage(req, paginate(items, requestUrl(req), options), hidden);
  }

  /**
   * Like sendPage for internal records. Without `q` or `sort` only the requested page is
   * rendered, which keeps long lists (commits, pipelines, pull requests) cheap to serve.
   */
  function sendList<T>(
    req: FastifyRequest,
    raw: readonly T[],
    renderOne: (item: T) => Json,
    options: PageOptions,
    rules: { filter?: readonly string[]; sort?: readonly string[] } = {},
    hidden: readonly string[] = [],
  ) {
    if ((one(query(req).q) ?? '') !== '' || one(query(req).sort)) {
      return sendPage(req, filterAndSort(req, raw.map(renderOne), rules.filter, rules.sort), options, hidden);
    }
    const envelope = paginate(raw, requestUrl(req), options);
    envelope.values = envelope.values.map((item) => renderOne(item as T));
    return finishPage(req, envelope, hidden);
  }

  /** A pull request as the API shows it, after the faults that alter one (its child counts). */
  function pullRequestJson(ws: Workspace, repo: RepositoryMeta, pr: PullRequest): Json {
    const json = render.pullRequest(ws, repo, pr);
    ctx.onPullRequest?.(repo, json);
    return json;
  }

  function sendObject(req: FastifyRequest, object: Json) {
    ctx.countRecords(1);
    return projectFields(object, one(query(req).fields));
  }

  // ---- retired endpoints -----------------------------------------------------------------------
  const gone = async (_req: FastifyRequest, reply: FastifyReply) => reply.code(410).send(CHANGE_2770);
  app.get('/2.0/workspaces', gone);
  app.get('/2.0/repositories', gone);
  app.get('/2.0/user/permissions/*', gone);
  // Bitbucket Issues and Wikis were sunset on 20 Aug 2026: the issue-tracker API is gone.
  const sunset = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(410)
      .send(
        errorBody(
          'Issue tracking has been removed from Bitbucket Cloud',
          'Bitbucket Issues and Wikis were sunset on 20 August 2026.',
        ),
      );
  for (const tail of [
    'issues',
    'issues/*',
    'milestones',
    'milestones/*',
    'versions',
    'versions/*',
    'components',
    'components/*',
  ]) {
    app.get(`/2.0/repositories/:workspace/:repo_slug/${tail}`, sunset);
  }

  // ---- user and workspaces -------------------------------------------------------------------
  app.get('/2.0/user', async (req, reply) => {
    requireScope(req, reply, 'account');
    return sendObject(req, render.currentUser(userIdx(req)));
  });

  app.get('/2.0/user/workspaces', async (req, reply) => {
    requireScope(req, reply, 'account');
    const me = userIdx(req);
    const admin = one(query(req).administrator);
    const items = store.world.workspaces
      .map((ws) => ({ ws, m: store.currentMembers(ws).find((x) => x.userIdx === me) }))
      .filter(({ m }) => m !== undefined)
      .map(({ ws, m }) => render.workspaceAccess(ws, m?.permission === 'owner'))
      .filter((w) => admin === undefined || String(w.administrator) === admin);
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.userWorkspaces), { maxPagelen: 100 });
  });

  app.get('/2.0/user/workspaces/:workspace/permission', async (req, reply) => {
    requireScope(req, reply, 'account');
    const ws = workspaceFor(req, (req.params as Params).workspace as string);
    const m = store.currentMembers(ws).find((x) => x.userIdx === userIdx(req));
    return sendObject(req, {
      type: 'workspace_membership',
      permission: m?.permission,
      workspace: render.workspaceLink(ws),
      user: render.account(userIdx(req)),
    });
  });

  app.get('/2.0/workspaces/:workspace', async (req, reply) => {
    requireScope(req, reply, 'account');
    return sendObject(req, render.workspace(workspaceFor(req, (req.params as Params).workspace as string)));
  });

  app.get('/2.0/workspaces/:workspace/members', async (req, reply) => {
    requireScope(req, reply, 'account');
    const ws = workspaceFor(req, (req.params as Params).workspace as string);
    const items = store.currentMembers(ws).map((m) => render.membership(ws, m));
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.members), { maxPagelen: 100 });
  });

  app.get('/2.0/workspaces/:workspace/members/:member', async (req, reply) => {
    requireScope(req, reply, 'account');
    const p = req.params as Params;
    const ws = workspaceFor(req, p.workspace as string);
    const m = store
      .currentMembers(ws)
      .find((x) =>
        [store.world.users[x.userIdx]?.uuid, store.world.users[x.userIdx]?.accountId].includes(p.member),
      );
    if (!m) throw notFound(`${p.member} is not a member of ${ws.slug}`);
    return sendObject(req, render.membership(ws, m));
  });

  app.get('/2.0/workspaces/:workspace/permissions', async (req, reply) => {
    requireScope(req, reply, 'account');
    const ws = workspaceFor(req, (req.params as Params).workspace as string);
    const items = store.currentMembers(ws).map((m) => {
      const user = store.world.users[m.userIdx];
      const lastMs =
        user && Number.isFinite(user.activeUntilMs) ? Math.min(user.activeUntilMs, store.nowMs) : store.nowMs;
      return render.permission(ws, m, user?.profile === 'never' ? undefined : lastMs);
    });
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.permissions), { maxPagelen: 100 });
  });

  app.get('/2.0/workspaces/:workspace/projects', async (req, reply) => {
    requireScope(req, reply, 'project', 'account');
    const ws = workspaceFor(req, (req.params as Params).workspace as string);
    const items = ws.projects.map((p) => render.project(ws, p));
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.projects), { maxPagelen: 100 });
  });

  app.get('/2.0/workspaces/:workspace/projects/:project_key', async (req, reply) => {
    requireScope(req, reply, 'project', 'account');
    const p = req.params as Params;
    const ws = workspaceFor(req, p.workspace as string);
    return sendObject(req, render.project(ws, projectFor(p, ws)));
  });

  // Explicit project permissions: the spec asks for project:admin, and the caller must be an admin.
  const permissionLists: Record<'groups' | 'users', (ws: Workspace, project: Project) => Json[]> = {
    groups: (ws, project) =>
      store
        .projectGroups(ws, project)
        .map(({ group, permission }) => access.projectGroupPermission(ws, project, group, permission)),
    users: (ws, project) =>
      store
        .projectUserPermissions(ws, project)
        .map((d) => access.projectUserPermission(ws, project, d.userIdx, d.permission)),
  };
  for (const [kind, list] of Object.entries(permissionLists)) {
    app.get(
      `/2.0/workspaces/:workspace/projects/:project_key/permissions-config/${kind}`,
      async (req, reply) => {
        requireScope(req, reply, 'project:admin');
        const p = req.params as Params;
        const ws = adminWorkspaceFor(req, p.workspace as string);
        return sendPage(req, list(ws, projectFor(p, ws)), { maxPagelen: 100 });
      },
    );
  }

  // API 1.0 groups, still served to workspace admins (API-NOTES §6): one unpaged JSON array.
  app.get('/1.0/groups/:workspace', async (req, reply) => {
    requireScope(req, reply, ...V1_GROUPS_SCOPES);
    const ws = adminWorkspaceFor(req, (req.params as Params).workspace as string);
    const groups = ws.groups.map((g) => access.v1Group(ws, g, store.groupMembers(ws, g)));
    ctx.countRecords(groups.length);
    return groups;
  });

  // ---- repositories ---------------------------------------------------------------------------
  app.get('/2.0/repositories/:workspace', async (req, reply) => {
    requireScope(req, reply, 'repository');
    const ws = workspaceFor(req, (req.params as Params).workspace as string);
    const role = one(query(req).role);
    if (role !== undefined && !['member', 'contributor', 'admin', 'owner'].includes(role)) {
      throw new ApiError(400, `Invalid role: ${role}`);
    }
    const items = store.liveRepositories(ws).map((r) => render.repository(ws, r, store.simulation(ws, r)));
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.repositories), { maxPagelen: 100 });
  });

  app.get('/2.0/repositories/:workspace/:repo_slug', async (req, reply) => {
    requireScope(req, reply, 'repository');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    return sendObject(req, render.repository(ws, repo, store.simulation(ws, repo)));
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/refs/branches', async (req, reply) => {
    requireScope(req, reply, 'repository');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const sim = store.simulation(ws, repo);
    const items = [...sim.data.branches]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((b) => render.branch(ws, repo, sim, b.name, b.headHash));
    return sendPage(req, filterAndSort(req, items, QUERY_FIELDS.branches), { maxPagelen: 100 });
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/commits', async (req, reply) => {
    requireScope(req, reply, 'repository');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const sim = store.simulation(ws, repo);
    // `include` / `exclude` (repeatable, branch names or commit hashes) filter the DAG as
    // `git log foo bar ^fu` does; without `include`, every branch is included (`--all`).
    const revisions = (name: string) => {
      const raw = query(req)[name];
      return (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((revision) => {
        const commit = sim.resolveRevision(revision);
        if (!commit) throw new ApiError(404, `Commit not found: ${revision}`);
        return commit;
      });
    };
    const included = revisions('include');
    const inside = included.length > 0 ? sim.ancestry(included) : undefined;
    const outside = sim.ancestry(revisions('exclude'));
    const commits = sim.data.commits.filter((c) => (!inside || inside.has(c.hash)) && !outside.has(c.hash));
    // Newest first, like `git log --all --date-order`.
    const ordered = commits.sort((a, b) => b.date.ms - a.date.ms || b.date.us - a.date.us);
    return sendList(req, ordered, (c) => render.commit(ws, repo, c), {
      maxPagelen: 100,
      defaultPagelen: 30,
      style: 'cursor',
      keyOf: (c) => (c as { hash: string }).hash,
    });
  });

  // ---- pull requests --------------------------------------------------------------------------
  app.get('/2.0/repositories/:workspace/:repo_slug/pullrequests', async (req, reply) => {
    requireScope(req, reply, 'pullrequest');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const raw = query(req).state;
    const states = (raw === undefined ? ['OPEN'] : Array.isArray(raw) ? raw : [raw]).map((s) =>
      s.toUpperCase(),
    );
    const invalid = states.find((s) => !(PR_STATES as readonly string[]).includes(s));
    if (invalid)
      throw new ApiError(400, `Invalid state: ${invalid}`, `Valid states are ${PR_STATES.join(', ')}`);
    const prs = store
      .simulation(ws, repo)
      .data.pullRequests.filter((pr) => states.includes(pr.state))
      .sort((a, b) => b.id - a.id);
    return sendList(
      req,
      prs,
      (pr) => pullRequestJson(ws, repo, pr),
      { maxPagelen: 50 },
      { filter: QUERY_FIELDS.pullrequests },
      PR_HIDDEN_FIELDS,
    );
  });

  // A static segment outranks a parameter in the router: `/pullrequests/activity` is this list, never PR "activity".
  app.get('/2.0/repositories/:workspace/:repo_slug/pullrequests/activity', async (req, reply) => {
    requireScope(req, reply, 'pullrequest');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const items = store
      .simulation(ws, repo)
      .data.pullRequests.flatMap((pr) => pr.activity.map((activity, index) => ({ pr, activity, index })))
      .sort(newestActivityFirst);
    return sendList(req, items, ({ pr, activity }) => render.activity(ws, repo, pr, activity), {
      maxPagelen: 50,
    });
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id', async (req, reply) => {
    requireScope(req, reply, 'pullrequest');
    const { ws, repo, pr } = pullRequestFor(req, req.params as Params);
    return sendObject(req, pullRequestJson(ws, repo, pr));
  });

  app.get(
    '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id/activity',
    async (req, reply) => {
      requireScope(req, reply, 'pullrequest');
      const { ws, repo, pr } = pullRequestFor(req, req.params as Params);
      const newestFirst = [...pr.activity].reverse();
      return sendList(req, newestFirst, (a) => render.activity(ws, repo, pr, a), { maxPagelen: 50 });
    },
  );

  app.get(
    '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id/comments',
    async (req, reply) => {
      requireScope(req, reply, 'pullrequest');
      const { ws, repo, pr } = pullRequestFor(req, req.params as Params);
      return sendList(
        req,
        pr.comments,
        (c) => render.comment(ws, repo, pr, c),
        { maxPagelen: 100 },
        {
          filter: QUERY_FIELDS.comments,
        },
      );
    },
  );

  app.get(
    '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id/tasks',
    async (req, reply) => {
      requireScope(req, reply, 'pullrequest');
      const { ws, repo, pr } = pullRequestFor(req, req.params as Params);
      return sendList(req, pr.tasks, (t) => render.task(ws, repo, pr, t), { maxPagelen: 100 });
    },
  );

  app.get(
    '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id/commits',
    async (req, reply) => {
      requireScope(req, reply, 'pullrequest');
      const { ws, repo, sim, pr } = pullRequestFor(req, req.params as Params);
      const items = [...pr.commitHashes]
        .reverse()
        .map((h) => sim.commitByHash(h))
        .filter((c) => c !== undefined)
        .map((c) => render.commit(ws, repo, c));
      return sendPage(req, items, { maxPagelen: 100 });
    },
  );

  app.get(
    '/2.0/repositories/:workspace/:repo_slug/pullrequests/:pull_request_id/diffstat',
    async (req, reply) => {
      requireScope(req, reply, 'pullrequest');
      const { ws, repo, pr } = pullRequestFor(req, req.params as Params);
      const spec = `${ws.slug}/${repo.slug}:${pr.sourceHash.slice(0, 12)}%0D${pr.destinationHash.slice(0, 12)}`;
      const target = new URL(`${ctx.apiUrl}/repositories/${ws.slug}/${repo.slug}/diffstat/${spec}`);
      target.searchParams.set('from_pullrequest_id', String(pr.id));
      target.searchParams.set('topic', 'true');
      return reply.redirect(target.toString(), 302);
    },
  );

  // The spec is `{workspace}/{repo}:{source}%0D{destination}`, slash included, as in real PR links.diffstat.
  app.get('/2.0/repositories/:workspace/:repo_slug/diffstat/*', async (req, reply) => {
    requireScope(req, reply, 'repository');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const sim = store.simulation(ws, repo);
    const prId = Number(one(query(req).from_pullrequest_id));
    const source = String((req.params as Params)['*']).split(/[:\r]/)[1] ?? '';
    const pr: PullRequest | undefined =
      sim.data.pullRequests.find((x) => x.id === prId) ??
      sim.data.pullRequests.find((x) => source !== '' && x.sourceHash.startsWith(source));
    if (!pr) throw notFound('Diff not found');
    return sendPage(req, render.diffstat(pr), { maxPagelen: 500, defaultPagelen: 500 });
  });

  // ---- pipelines and deployments --------------------------------------------------------------
  const PIPELINE_SORTS = ['creator.uuid', 'created_on', 'run_creation_date'];
  app.get('/2.0/repositories/:workspace/:repo_slug/pipelines', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const q = query(req);
    const pipelines = store.simulation(ws, repo).data.pipelines;
    const renderOne = (p: (typeof pipelines)[number]) => render.pipeline(ws, repo, p);
    // Pipelines have their own filters instead of BBQL.
    const filters: Array<[string, (p: Json) => unknown]> = [
      ['creator.uuid', (p) => valueAt(p, 'creator.uuid')],
      ['target.ref_type', (p) => valueAt(p, 'target.ref_type')],
      ['target.ref_name', (p) => valueAt(p, 'target.ref_name')],
      ['target.branch', (p) => valueAt(p, 'target.ref_name') ?? valueAt(p, 'target.source')],
      ['target.commit.hash', (p) => valueAt(p, 'target.commit.hash')],
      ['target.selector.type', (p) => valueAt(p, 'target.selector.type')],
      ['target.selector.pattern', (p) => valueAt(p, 'target.selector.pattern')],
      ['trigger_type', (p) => valueAt(p, 'trigger.name')],
    ];
    // `status` takes the spec's own enum, not the state names (the spec does not say what each
    // means; this is the reading its names suggest). A value outside it is a 400, as for sort.
    const status = one(q.status);
    if (status !== undefined && !(status in PIPELINE_STATUS))
      throw new ApiError(400, `Invalid status: ${status}`);
    const sort = one(q.sort);
    if (sort === undefined && status === undefined && filters.every(([name]) => q[name] === undefined)) {
      return sendList(req, pipelines, renderOne, { maxPagelen: 100 });
    }
    let items = pipelines.map(renderOne);
    if (status !== undefined) items = items.filter(PIPELINE_STATUS[status] as (p: Json) => boolean);
    for (const [name, get] of filters) {
      const wanted = one(q[name]);
      if (wanted !== undefined) items = items.filter((p) => String(get(p)) === wanted);
    }
    if (sort !== undefined) {
      const field = sort.replace(/^-/, '');
      if (!PIPELINE_SORTS.includes(field)) throw new ApiError(400, `Invalid sort field: ${field}`);
      const path = field === 'run_creation_date' ? 'created_on' : field;
      items = [...items].sort(
        (a, b) => sortOrder(valueAt(a, path), valueAt(b, path)) * (sort.startsWith('-') ? -1 : 1),
      );
    }
    return sendPage(req, items, { maxPagelen: 100 });
  });

  function pipelineFor(req: FastifyRequest) {
    const p = req.params as Params;
    const { ws, repo } = repositoryFor(req, p);
    const pipeline = store.simulation(ws, repo).data.pipelines.find((x) => x.uuid === p.pipeline_uuid);
    if (!pipeline) throw notFound(`Pipeline ${p.pipeline_uuid} not found`);
    return { ws, repo, pipeline };
  }

  app.get('/2.0/repositories/:workspace/:repo_slug/pipelines/:pipeline_uuid', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const { ws, repo, pipeline } = pipelineFor(req);
    return sendObject(req, render.pipeline(ws, repo, pipeline));
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/pipelines/:pipeline_uuid/steps', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const { pipeline } = pipelineFor(req);
    return sendPage(
      req,
      pipeline.steps.map((s) => render.step(pipeline, s)),
      { maxPagelen: 100 },
    );
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/environments', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    return sendPage(
      req,
      store.simulation(ws, repo).data.environments.map((e) => render.environment(e)),
      { maxPagelen: 100 },
    );
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/deployments', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const { ws, repo } = repositoryFor(req, req.params as Params);
    const data = store.simulation(ws, repo).data;
    const newestFirst = [...data.deployments].reverse();
    return sendList(req, newestFirst, (d) => render.deployment(ws, repo, d, data.environments), {
      maxPagelen: 100,
    });
  });

  app.get('/2.0/repositories/:workspace/:repo_slug/deployments/:deployment_uuid', async (req, reply) => {
    requireScope(req, reply, 'pipeline');
    const p = req.params as Params;
    const { ws, repo } = repositoryFor(req, p);
    const data = store.simulation(ws, repo).data;
    const deployment = data.deployments.find((d) => d.uuid === p.deployment_uuid);
    if (!deployment) throw notFound('No account, repository or deployment with the UUID provided exists.');
    return sendObject(req, render.deployment(ws, repo, deployment, data.environments));
  });
}
