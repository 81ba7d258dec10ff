// The flow marts over a hand-built dataset whose every figure is worked out in advance:
// dim_workspaces (one row per workspace a connection sees, with its slug and current counts),
// dim_repositories (one row per repository, deleted ones flagged, project from stg_projects),
// fct_pull_requests (review facts and flow times per pull request) and fct_pipeline_usage_daily
// (runs and minutes per UTC day, workspace, repository, trigger, result and creator). Payloads are
// shaped like the API's after the catalog's `fields=` projections.
import { beforeAll, expect, it } from 'vitest';
import { loadProject, type Project } from '../../transforms/project';
import { runProject } from '../../transforms/run';
import type { TestResult } from '../../transforms/testRun';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import {
  type Account,
  ADA,
  account,
  asText,
  BOT,
  endpoint,
  GRACE,
  plain,
  prLink,
  REPO,
  SQL_DIR,
  sortRows,
  t,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';

type Json = Record<string, unknown>;

const LIN = account('{u-lin}', 'Lin');
const WS2 = '{ws-2}';
// a workspace without repositories, never synced
const WS3 = '{ws-3}';
const REPO2 = '{repo-2}';
const REPO3 = '{repo-3}';
const SLUGS: Record<string, string> = { [WS]: 'acme', [WS2]: 'beta', [WS3]: 'gamma' };
const LOADED_AT = '2024-07-01T00:00:00.000000Z';
/** When a second connection, c2, lists its workspaces. */
const C2_LOADED_AT = '2024-07-01T12:00:00.000000Z';
const RELISTED_AT = '2024-07-02T00:00:00Z';

const NAMES: Record<string, string> = { [WS]: 'Acme Corp', [WS2]: 'Beta Labs', [WS3]: 'Gamma' };
const workspaceLink = (ws: string) => ({ type: 'workspace', uuid: ws, slug: SLUGS[ws], name: NAMES[ws] });

/** An item of GET /user/workspaces: only the workspace's uuid and slug (and links, left out here). */
const workspaceAccess = (ws: string) => ({
  key: ws,
  payload: {
    type: 'workspace_access',
    administrator: false,
    workspace: { type: 'workspace_base', uuid: ws, slug: SLUGS[ws] },
  },
});

const member = (ws: string, user: Account) => ({
  key: `${ws}:${user.uuid}`,
  parentKey: ws,
  payload: { type: 'workspace_membership', user, workspace: workspaceLink(ws) },
});

const project = (uuid: string, key: string, name: string) => ({
  key: uuid,
  parentKey: WS,
  updatedOn: '2024-01-01T00:00:00.000000+00:00',
  payload: {
    type: 'project',
    key,
    uuid,
    name,
    description: '',
    is_private: true,
    created_on: '2023-01-01T00:00:00.000000+00:00',
    updated_on: '2024-01-01T00:00:00.000000+00:00',
    has_publicly_visible_repos: false,
    workspace: workspaceLink(WS),
  },
});

interface RepoSpec {
  ws: string;
  slug: string;
  project: Json | null;
  language: string;
  isPrivate: boolean;
  mainbranch: string | null;
  createdOn: string;
}
const repository = (uuid: string, r: RepoSpec) => ({
  key: uuid,
  parentKey: r.ws,
  updatedOn: '2024-06-01T00:00:00.000000+00:00',
  payload: {
    type: 'repository',
    full_name: `${SLUGS[r.ws]}/${r.slug}`,
    name: r.slug.toUpperCase(),
    uuid,
    slug: r.slug,
    description: '',
    scm: 'git',
    is_private: r.isPrivate,
    workspace: workspaceLink(r.ws),
    project: r.project,
    mainbranch: r.mainbranch === null ? null : { type: 'branch', name: r.mainbranch },
    created_on: r.createdOn,
    updated_on: '2024-06-01T00:00:00.000000+00:00',
    size: 42_100,
    language: r.language,
    has_issues: false,
    has_wiki: false,
    fork_policy: 'no_public_forks',
    override_settings: { default_merge_strategy: true, branching_model: true },
  },
});

const pullrequest = (repo: string, id: number, state: string, author: Account, createdOn: string) => ({
  key: `${repo}:${id}`,
  parentKey: repo,
  updatedOn: '2024-06-30T00:00:00.000000+00:00',
  payload: {
    ...prLink(id),
    description: '',
    state,
    author,
    source: endpoint(`feature/${id}`, 'f00d'),
    destination: endpoint('main', 'beef'),
    merge_commit: state === 'MERGED' ? { type: 'commit', hash: 'abc123' } : null,
    comment_count: 0,
    task_count: 0,
    close_source_branch: false,
    closed_by: state === 'OPEN' ? null : author,
    reason: '',
    created_on: createdOn,
    updated_on: '2024-06-30T00:00:00.000000+00:00',
    draft: false,
    queued: false,
    reviewers: [],
    participants: [],
  },
});

/** The child records of one pull request, keyed as the catalog keys them. */
function childrenOf(repo: string, pr: number) {
  const base = `${repo}:${pr}`;
  const item = (kind: string, at: string, who: string, body: Json) => ({
    key: `${base}:${kind}:${at}:${who}`,
    parentKey: base,
    updatedOn: at,
    payload: { [kind]: body, pull_request: prLink(pr) },
  });
  const commentBody = (id: number, user: Account, createdOn: string, deleted: boolean) => ({
    type: 'pullrequest_comment',
    id,
    created_on: createdOn,
    updated_on: createdOn,
    content: { type: 'rendered', raw: deleted ? '' : 'hm', markup: 'markdown', html: '' },
    user,
    deleted,
    pending: false,
  });
  return {
    approval: (user: Account, date: string) =>
      item('approval', date, user.uuid, { date, user, pullrequest: prLink(pr) }),
    changesRequested: (user: Account, date: string) =>
      item('changes_requested', date, user.uuid, { date, user, pullrequest: prLink(pr) }),
    update: (state: string, author: Account, date: string) =>
      item('update', date, author.uuid, {
        state,
        title: `PR ${pr}`,
        description: '',
        reason: '',
        author,
        date,
        source: endpoint(`feature/${pr}`, 'f00d'),
        destination: endpoint('main', 'beef'),
      }),
    /** The activity stream's copy of a comment (the marts read the comments stream). */
    commentItem: (id: number, user: Account, createdOn: string) =>
      item('comment', createdOn, `comment-${id}`, commentBody(id, user, createdOn, false)),
    comment: (id: number, user: Account, createdOn: string, deleted = false) => ({
      key: `${repo}:${id}`,
      parentKey: base,
      updatedOn: createdOn,
      payload: { ...commentBody(id, user, createdOn, deleted), pullrequest: prLink(pr) },
    }),
    commit: (hash: string, date: string, user?: Account) => ({
      key: `${base}:${hash}`,
      parentKey: base,
      updatedOn: date,
      payload: {
        hash,
        date,
        author: user
          ? { raw: `${user.display_name} <x@example.com>`, user: { uuid: user.uuid } }
          : { raw: 'ci' },
      },
    }),
  };
}

/** A completed run's state for a result (SUCCESSFUL, FAILED …), or an unfinished state as is. */
const runState = (kind: string, outcome: string) =>
  outcome === 'PENDING' || outcome === 'IN_PROGRESS'
    ? { name: outcome, type: `${kind}_state_${outcome.toLowerCase()}` }
    : {
        name: 'COMPLETED',
        type: `${kind}_state_completed`,
        result: { name: outcome, type: `${kind}_state_completed_${outcome.toLowerCase()}` },
      };

interface RunSpec {
  trigger: string;
  creator?: Account;
  createdOn: string;
  outcome: string;
  /** Completed runs only. */
  completedOn?: string;
  buildSeconds: number;
  durationSeconds?: number;
}
const pipeline = (uuid: string, repo: string, r: RunSpec) => ({
  key: uuid,
  parentKey: repo,
  updatedOn: r.completedOn ?? r.createdOn,
  payload: {
    type: 'pipeline',
    uuid,
    build_number: 1,
    target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main', commit: { hash: 'beef' } },
    trigger: { name: r.trigger, type: `pipeline_trigger_${r.trigger.toLowerCase()}` },
    state: runState('pipeline', r.outcome),
    created_on: r.createdOn,
    run_number: 1,
    build_seconds_used: r.buildSeconds,
    duration_in_seconds: r.durationSeconds ?? null,
    ...(r.creator ? { creator: r.creator } : {}),
    ...(r.completedOn ? { completed_on: r.completedOn } : {}),
  },
});

const step = (uuid: string, repo: string, pipelineUuid: string, buildSeconds: number) => ({
  key: uuid,
  parentKey: `${repo}:${pipelineUuid}`,
  updatedOn: '2024-06-01T10:02:00.000000Z',
  payload: {
    type: 'pipeline_step',
    uuid,
    name: uuid,
    state: runState('pipeline_step', 'SUCCESSFUL'),
    image: { name: 'node:20' },
    build_seconds_used: buildSeconds,
    duration_in_seconds: buildSeconds,
    run_number: 1,
    maxTime: 120,
    trigger: { type: 'pipeline_step_trigger_automatic' },
    pipeline: { type: 'pipeline', uuid: pipelineUuid },
    started_on: '2024-06-01T10:00:00.000000Z',
    completed_on: '2024-06-01T10:02:00.000000Z',
  },
});

const pr1 = childrenOf(REPO, 1);
const pr2 = childrenOf(REPO, 2);
const pr3 = childrenOf(REPO, 3);
const pr4 = childrenOf(REPO, 4);
const pr5 = childrenOf(REPO, 5);
const pr6 = childrenOf(REPO, 6);
const beta1 = childrenOf(REPO2, 1);

// Tombstoned after the load: repository 3, pull request 6, a commit of PR 4, an approval of PR 5.
const PR4_COMMIT_KEPT = pr4.commit('d1', '2024-06-05T12:00:00.000000+00:00', LIN);
const PR5_ACTIVITY_KEPT = [
  pr5.commentItem(501, ADA, '2024-06-06T09:00:00.000000+00:00'),
  pr5.update('DECLINED', GRACE, '2024-06-06T10:00:00.000000+00:00'),
];

const LOADS: { stream: string; ws: string; records: RawRecord[] }[] = [
  // c1 sees all three workspaces; it syncs acme and beta
  { stream: 'workspaces', ws: WS, records: [WS, WS2, WS3].map(workspaceAccess) },
  // Grace leaves acme (tombstoned below); the bot is an app user, holding no seat
  { stream: 'members', ws: WS, records: [ADA, LIN, BOT, GRACE].map((u) => member(WS, u)) },
  { stream: 'members', ws: WS2, records: [member(WS2, GRACE)] },
  { stream: 'projects', ws: WS, records: [project('{proj-1}', 'CORE', 'Core')] },
  {
    stream: 'repositories',
    ws: WS,
    records: [
      repository(REPO, {
        ws: WS,
        slug: 'api',
        project: { type: 'project', key: 'CORE', uuid: '{proj-1}', name: 'Core' },
        language: 'typescript',
        isPrivate: true,
        mainbranch: 'main',
        createdOn: '2024-01-02T03:04:05.123000+00:00',
      }),
      // its project was never extracted
      repository(REPO3, {
        ws: WS,
        slug: 'legacy',
        project: { type: 'project', key: 'LEG', uuid: '{proj-2}', name: 'Legacy' },
        language: 'python',
        isPrivate: true,
        mainbranch: null,
        createdOn: '2020-05-05T05:05:05.000000+00:00',
      }),
    ],
  },
  {
    stream: 'repositories',
    ws: WS2,
    records: [
      // in no project, no language detected, created 2024-01-01T00:30Z
      repository(REPO2, {
        ws: WS2,
        slug: 'site',
        project: null,
        language: '',
        isPrivate: false,
        mainbranch: 'master',
        createdOn: '2023-12-31T23:30:00.000000-01:00',
      }),
    ],
  },
  {
    stream: 'pullrequests',
    ws: WS,
    records: [
      pullrequest(REPO, 1, 'MERGED', ADA, '2024-06-01T12:00:00.000000+00:00'),
      pullrequest(REPO, 2, 'MERGED', GRACE, '2024-06-03T10:00:00.000000+02:00'),
      pullrequest(REPO, 3, 'MERGED', ADA, '2024-06-04T08:00:00.000000+00:00'),
      pullrequest(REPO, 4, 'OPEN', LIN, '2024-06-05T09:00:00.000000-04:00'),
      pullrequest(REPO, 5, 'DECLINED', GRACE, '2024-06-06T08:00:00.000000+00:00'),
      pullrequest(REPO, 6, 'OPEN', ADA, '2024-06-06T08:00:00.000000+00:00'),
    ],
  },
  {
    stream: 'pullrequests',
    ws: WS2,
    records: [pullrequest(REPO2, 1, 'SUPERSEDED', GRACE, '2024-06-07T10:00:00.000000+00:00')],
  },
  {
    stream: 'pr_commits',
    ws: WS,
    records: [
      pr1.commit('a1', '2024-06-01T09:30:00.000000+02:00', ADA),
      pr1.commit('a2', '2024-06-01T10:00:00.000000+00:00'),
      pr3.commit('c1', '2024-06-04T09:00:00.000000+00:00', ADA),
      pr4.commit('d0', '2024-06-05T10:00:00.000000+00:00', LIN),
      PR4_COMMIT_KEPT,
      pr5.commit('e1', '2024-06-05T20:00:00.000000+00:00', GRACE),
    ],
  },
  {
    stream: 'pr_comments',
    ws: WS,
    records: [
      pr1.comment(101, ADA, '2024-06-01T13:00:00.000000+00:00'),
      pr1.comment(102, GRACE, '2024-06-01T14:00:00.000000+00:00'),
      pr1.comment(103, GRACE, '2024-06-02T13:00:00.000000+00:00'),
      pr2.comment(201, LIN, '2024-06-03T08:30:00.000000+00:00', true),
      pr2.comment(202, ADA, '2024-06-03T12:00:00.000000+00:00'),
      pr4.comment(401, LIN, '2024-06-05T14:00:00.000000+00:00'),
      pr5.comment(501, ADA, '2024-06-06T09:00:00.000000+00:00'),
    ],
  },
  {
    stream: 'pr_activity',
    ws: WS,
    records: [
      pr1.update('OPEN', ADA, '2024-06-01T12:00:00.000000+00:00'),
      pr1.commentItem(101, ADA, '2024-06-01T13:00:00.000000+00:00'),
      pr1.commentItem(102, GRACE, '2024-06-01T14:00:00.000000+00:00'),
      pr1.changesRequested(GRACE, '2024-06-01T15:00:00.000000+00:00'),
      pr1.approval(GRACE, '2024-06-02T09:00:00.000000+00:00'),
      pr1.approval(LIN, '2024-06-02T10:00:00.000000+00:00'),
      pr1.update('MERGED', GRACE, '2024-06-02T12:30:00.000000+00:00'),
      pr1.commentItem(103, GRACE, '2024-06-02T13:00:00.000000+00:00'),
      pr2.update('MERGED', GRACE, '2024-06-03T11:00:00.000000+00:00'),
      pr2.approval(LIN, '2024-06-03T11:30:00.000000+00:00'),
      pr3.approval(ADA, '2024-06-04T09:30:00.000000+00:00'),
      pr3.changesRequested(GRACE, '2024-06-04T10:00:00.000000+00:00'),
      pr3.update('MERGED', ADA, '2024-06-04T16:00:00.000000+00:00'),
      pr4.update('OPEN', LIN, '2024-06-05T13:00:00.000000+00:00'),
      pr5.approval(LIN, '2024-06-06T09:15:00.000000+00:00'),
      ...PR5_ACTIVITY_KEPT,
      pr6.approval(GRACE, '2024-06-06T09:00:00.000000+00:00'),
    ],
  },
  {
    stream: 'pr_activity',
    ws: WS2,
    records: [
      beta1.approval(ADA, '2024-06-07T10:30:00.000000+00:00'),
      beta1.update('SUPERSEDED', GRACE, '2024-06-07T11:00:00.000000+00:00'),
    ],
  },
  {
    stream: 'pipelines',
    ws: WS,
    records: [
      pipeline('{pipe-1}', REPO, {
        trigger: 'PUSH',
        creator: ADA,
        createdOn: '2024-06-01T10:00:00.000000Z',
        outcome: 'SUCCESSFUL',
        completedOn: '2024-06-01T10:02:00.000000Z',
        buildSeconds: 90,
        durationSeconds: 120,
      }),
      pipeline('{pipe-2}', REPO, {
        trigger: 'PUSH',
        creator: ADA,
        createdOn: '2024-06-01T18:00:00.000000Z',
        outcome: 'SUCCESSFUL',
        completedOn: '2024-06-01T18:01:00.000000Z',
        buildSeconds: 30,
        durationSeconds: 60,
      }),
      pipeline('{pipe-3}', REPO, {
        trigger: 'PUSH',
        creator: ADA,
        createdOn: '2024-06-01T20:00:00.000000Z',
        outcome: 'FAILED',
        completedOn: '2024-06-01T20:00:45.000000Z',
        buildSeconds: 45,
        durationSeconds: 45,
      }),
      // nobody started it
      pipeline('{pipe-4}', REPO, {
        trigger: 'SCHEDULE',
        createdOn: '2024-06-02T00:00:00.000000Z',
        outcome: 'SUCCESSFUL',
        completedOn: '2024-06-02T00:15:00.000000Z',
        buildSeconds: 600,
        durationSeconds: 900,
      }),
      // unfinished, started 2024-06-03T01:30Z; its 30 seconds so far do not count
      pipeline('{pipe-5}', REPO, {
        trigger: 'MANUAL',
        creator: GRACE,
        createdOn: '2024-06-02T23:30:00.000000-02:00',
        outcome: 'IN_PROGRESS',
        buildSeconds: 30,
      }),
      // 2024-06-02T22:00Z
      pipeline('{pipe-6}', REPO, {
        trigger: 'PULL_REQUEST',
        creator: GRACE,
        createdOn: '2024-06-03T01:00:00.000000+03:00',
        outcome: 'SUCCESSFUL',
        completedOn: '2024-06-02T22:00:30.000000Z',
        buildSeconds: 15,
        durationSeconds: 30,
      }),
      pipeline('{pipe-7}', REPO, {
        trigger: 'MANUAL',
        creator: GRACE,
        createdOn: '2024-06-03T02:00:00.000000Z',
        outcome: 'PENDING',
        buildSeconds: 0,
      }),
    ],
  },
  {
    stream: 'pipelines',
    ws: WS2,
    records: [
      pipeline('{pipe-8}', REPO2, {
        trigger: 'PUSH',
        creator: ADA,
        createdOn: '2024-06-01T10:00:00.000000Z',
        outcome: 'SUCCESSFUL',
        completedOn: '2024-06-01T10:01:00.000000Z',
        buildSeconds: 60,
        durationSeconds: 60,
      }),
    ],
  },
  // the steps of pipe-1 add up to its 90 seconds: they add nothing
  {
    stream: 'pipeline_steps',
    ws: WS,
    records: [step('{step-1a}', REPO, '{pipe-1}', 60), step('{step-1b}', REPO, '{pipe-1}', 30)],
  },
];

const utc = (iso: string | null) => (iso === null ? null : t(iso));

const dimRow = (uuid: string, ws: string, slug: string, project: (string | null)[], rest: Json) => ({
  repository_uuid: uuid,
  workspace_uuid: ws,
  slug,
  name: slug.toUpperCase(),
  full_name: `${SLUGS[ws]}/${slug}`,
  project_uuid: project[0],
  project_key: project[1],
  project_name: project[2],
  ...rest,
});

/** [created, merged, closed, first commit, first review, last approval], UTC. */
type Times = [string, string | null, string | null, string | null, string | null, string | null];
/** Hours: [coding, pickup, review, merge, cycle]. */
type Hours = [number | null, number | null, number | null, number | null, number | null];
/** [commits, approvals, changes requested, reviewer comments, all comments, reviewers]. */
type Counts = [number, number, number, number, number, number];

const prRow = (repo: string, id: number, author: Account, state: string, x: Times, h: Hours, n: Counts) => ({
  pr_key: `${repo}:${id}`,
  workspace_uuid: repo === REPO2 ? WS2 : WS,
  repository_uuid: repo,
  pr_id: id,
  title: `PR ${id}`,
  author_uuid: author.uuid,
  state,
  created_at: utc(x[0]),
  merged_at: utc(x[1]),
  closed_at: utc(x[2]),
  // every closed pull request here has the activity item that closed it
  closed_at_source: x[2] === null ? null : 'activity',
  first_commit_at: utc(x[3]),
  first_review_at: utc(x[4]),
  last_approval_at: utc(x[5]),
  coding_hours: h[0],
  pickup_hours: h[1],
  review_hours: h[2],
  merge_hours: h[3],
  cycle_hours: h[4],
  commit_count: n[0],
  approval_count: n[1],
  changes_requested_count: n[2],
  reviewer_comment_count: n[3],
  comment_count: n[4],
  reviewer_count: n[5],
});

const usageRow = (
  run_date: string,
  repo: string,
  trigger_name: string,
  result: string,
  creator: Account | null,
  runs: number,
  build_minutes: number | null,
  duration_minutes: number | null,
) => ({
  run_date,
  workspace_uuid: repo === REPO2 ? WS2 : WS,
  repository_uuid: repo,
  trigger_name,
  result,
  creator_uuid: creator?.uuid ?? null,
  runs,
  build_minutes,
  duration_minutes,
});

const MARTS = ['dim_workspaces', 'dim_repositories', 'fct_pull_requests', 'fct_pipeline_usage_daily'];

describeEachDialect('the flow marts', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });
  let project: Project;
  let dataTests: TestResult[] = [];

  /** The columns a model's .yml documents, in order. */
  const documentedColumns = (name: string) => project.models.get(name)?.doc?.columns.map((c) => c.name) ?? [];

  /** Every documented column of every row of a model; dates as text (drivers disagree on date objects). */
  // (fct_pull_requests' incremental watermark, _changed_at, left out: it is no fact of the flow.)
  async function model(name: string) {
    const columns = documentedColumns(name)
      .filter((c) => c !== '_changed_at')
      .map((c) => (c === 'run_date' ? `${asText(fx.db, c)} as ${c}` : c));
    const layer = project.models.get(name)?.layer ?? 'marts';
    return plain(await fx.db.query(`select ${columns.join(', ')} from ${fx.db.table(layer, name)}`));
  }

  beforeAll(async () => {
    for (const { stream, ws, records } of LOADS)
      await loadRecords(fx.db, {
        stream,
        connectionId: 'c1',
        workspaceUuid: ws,
        runId: 'run-1',
        records,
        extractedAt: LOADED_AT,
      });
    await loadRecords(fx.db, {
      stream: 'workspaces',
      connectionId: 'c2',
      workspaceUuid: WS2,
      runId: 'run-c2',
      records: [workspaceAccess(WS2)],
      extractedAt: C2_LOADED_AT,
    });
    const tombstone = (stream: string, parentKey: string | null, keep: string[]) =>
      markDeleted(fx.db, {
        stream,
        connectionId: 'c1',
        parentKey,
        keep,
        runId: 'run-2',
        at: RELISTED_AT,
      });
    // c1's user loses access to beta (c2 still lists it) and gamma (no one lists it any more)
    await tombstone('workspaces', null, [WS]);
    await tombstone(
      'members',
      WS,
      [ADA, LIN, BOT].map((u) => `${WS}:${u.uuid}`),
    );
    await tombstone('repositories', WS, [REPO]);
    await tombstone(
      'pullrequests',
      REPO,
      [1, 2, 3, 4, 5].map((id) => `${REPO}:${id}`),
    );
    await tombstone('pr_commits', `${REPO}:4`, [PR4_COMMIT_KEPT.key]);
    await tombstone(
      'pr_activity',
      `${REPO}:5`,
      PR5_ACTIVITY_KEPT.map((r) => r.key),
    );
    project = loadProject(SQL_DIR);
    const results = await runProject(fx.db, project, {
      select: MARTS.map((m) => `+${m}`),
    });
    expect(results.models.filter((r) => r.status !== 'success')).toEqual([]);
    dataTests = results.tests;
  }, 300_000);

  it('each mart returns exactly the columns its .yml documents, in order, and passes its data tests', async () => {
    for (const name of MARTS) {
      const [row] = await fx.db.query(`select * from ${fx.db.table('marts', name)} limit 1`);
      expect(Object.keys(row ?? {}), name).toEqual(documentedColumns(name));
      expect(dataTests.filter((r) => r.model === name).length, name).toBeGreaterThan(0);
    }
    // warnings included (other models' tests may warn: repository 3's project is not extracted)
    const own = new Set([...MARTS, 'stg_pr_commits', 'stg_workspaces']);
    expect(dataTests.filter((r) => own.has(r.model ?? '') && r.status !== 'pass')).toEqual([]);
    expect(dataTests.filter((r) => r.model === 'stg_pr_commits').length).toBeGreaterThan(0);
  });

  it('stg_workspaces: one row per workspace across connections, the latest extraction wins', async () => {
    const row = (ws: string, connectionId: string, extractedAt: string, deletedAt: string | null) => ({
      record_key: ws,
      connection_id: connectionId,
      uuid: ws,
      slug: SLUGS[ws],
      is_deleted: deletedAt !== null,
      _deleted_at: utc(deletedAt),
      _extracted_at: t(extractedAt),
    });
    expect(sortRows(await model('stg_workspaces'), ['record_key'])).toEqual([
      row(WS, 'c1', LOADED_AT, null),
      // c1 no longer lists it, but c2 listed it later
      row(WS2, 'c2', C2_LOADED_AT, null),
      row(WS3, 'c1', LOADED_AT, RELISTED_AT),
    ]);
  });

  it('dim_workspaces: every workspace with its slug and name, synced or not, and its current counts', async () => {
    const row = (ws: string, isDeleted: boolean, isSynced: boolean, counts: [number, number, number]) => ({
      workspace_uuid: ws,
      workspace_slug: SLUGS[ws],
      // from the members listing: none for a workspace never synced
      workspace_name: isSynced ? NAMES[ws] : null,
      is_deleted: isDeleted,
      is_synced: isSynced,
      seats: counts[0],
      projects: counts[1],
      repositories: counts[2],
      // no extraction run recorded (loaded by hand): every day of the data counts
      coverage_start_date: null,
    });
    expect(sortRows(await model('dim_workspaces'), ['workspace_uuid'])).toEqual([
      // [seats, projects, repositories]: Ada and Lin hold seats (Grace left, the bot is an app
      // user); repository 3 is tombstoned
      row(WS, false, true, [2, 1, 1]),
      row(WS2, false, true, [1, 0, 1]),
      // no members listed: never synced
      row(WS3, true, false, [0, 0, 0]),
    ]);
  });

  it('dim_repositories: one row per repository, deleted ones flagged, project from its own record', async () => {
    expect(sortRows(await model('dim_repositories'), ['repository_uuid'])).toEqual([
      dimRow(REPO, WS, 'api', ['{proj-1}', 'CORE', 'Core'], {
        language: 'typescript',
        is_private: true,
        main_branch: 'main',
        created_at: t('2024-01-02T03:04:05.123Z'),
        is_deleted: false,
      }),
      dimRow(REPO2, WS2, 'site', [null, null, null], {
        language: null,
        is_private: false,
        main_branch: 'master',
        created_at: t('2024-01-01T00:30:00Z'),
        is_deleted: false,
      }),
      // tombstoned; its project was never extracted, so only the repository's copy of the key is known
      dimRow(REPO3, WS, 'legacy', ['{proj-2}', 'LEG', null], {
        language: 'python',
        is_private: true,
        main_branch: null,
        created_at: t('2020-05-05T05:05:05Z'),
        is_deleted: true,
      }),
    ]);
  });

  it('fct_pull_requests: review facts by others than the author, flow times up to the close', async () => {
    expect(sortRows(await model('fct_pull_requests'), ['pr_key'])).toEqual([
      // commits from 07:30Z (written +02:00); the author's own comment is no review; Grace reviews at
      // 14:00, Lin approves last at 10:00 next day; merged 12:30; Grace's comment after it still counts
      prRow(
        REPO,
        1,
        ADA,
        'MERGED',
        [
          '2024-06-01T12:00:00Z',
          '2024-06-02T12:30:00Z',
          '2024-06-02T12:30:00Z',
          '2024-06-01T07:30:00Z',
          '2024-06-01T14:00:00Z',
          '2024-06-02T10:00:00Z',
        ],
        [4.5, 2, 20, 2.5, 29],
        [2, 2, 1, 2, 3, 2],
      ),
      // never reviewed before the merge (Lin's comment was deleted; Ada commented, Lin approved after
      // it), no commits listed: the cycle starts at the opening (10:00+02:00)
      prRow(
        REPO,
        2,
        GRACE,
        'MERGED',
        ['2024-06-03T08:00:00Z', '2024-06-03T11:00:00Z', '2024-06-03T11:00:00Z', null, null, null],
        [null, null, null, null, 3],
        [0, 1, 0, 1, 1, 2],
      ),
      // reviewed but never approved (the author's own approval does not count); the only commit is
      // younger than the opening: no coding time, review runs to the merge
      prRow(
        REPO,
        3,
        ADA,
        'MERGED',
        [
          '2024-06-04T08:00:00Z',
          '2024-06-04T16:00:00Z',
          '2024-06-04T16:00:00Z',
          '2024-06-04T09:00:00Z',
          '2024-06-04T10:00:00Z',
          null,
        ],
        [0, 2, 6, null, 8],
        [1, 0, 1, 0, 0, 1],
      ),
      // open, opened 09:00-04:00, only the author commented; the 10:00 commit is tombstoned
      prRow(
        REPO,
        4,
        LIN,
        'OPEN',
        ['2024-06-05T13:00:00Z', null, null, '2024-06-05T12:00:00Z', null, null],
        [1, null, null, null, null],
        [1, 0, 0, 0, 1, 0],
      ),
      // declined after one review; Lin's approval is tombstoned
      prRow(
        REPO,
        5,
        GRACE,
        'DECLINED',
        [
          '2024-06-06T08:00:00Z',
          null,
          '2024-06-06T10:00:00Z',
          '2024-06-05T20:00:00Z',
          '2024-06-06T09:00:00Z',
          null,
        ],
        [12, 1, null, null, null],
        [1, 0, 0, 1, 1, 1],
      ),
      // (pull request 6 is tombstoned: no row) the same id in another repository is another pull request
      prRow(
        REPO2,
        1,
        GRACE,
        'SUPERSEDED',
        [
          '2024-06-07T10:00:00Z',
          null,
          '2024-06-07T11:00:00Z',
          null,
          '2024-06-07T10:30:00Z',
          '2024-06-07T10:30:00Z',
        ],
        [null, 0.5, 0, null, null],
        [0, 1, 0, 0, 0, 1],
      ),
    ]);
  });

  it('fct_pipeline_usage_daily: runs per UTC day and group, minutes of completed runs only', async () => {
    const keys = ['run_date', 'workspace_uuid', 'repository_uuid', 'trigger_name', 'result', 'creator_uuid'];
    expect(sortRows(await model('fct_pipeline_usage_daily'), keys)).toEqual([
      usageRow('2024-06-01', REPO, 'PUSH', 'FAILED', ADA, 1, 0.75, 0.75),
      // pipe-1 and pipe-2: 90 + 30 build seconds (pipe-1's steps are not added again)
      usageRow('2024-06-01', REPO, 'PUSH', 'SUCCESSFUL', ADA, 2, 2, 3),
      usageRow('2024-06-01', REPO2, 'PUSH', 'SUCCESSFUL', ADA, 1, 1, 1),
      // created 01:00+03:00
      usageRow('2024-06-02', REPO, 'PULL_REQUEST', 'SUCCESSFUL', GRACE, 1, 0.25, 0.5),
      usageRow('2024-06-02', REPO, 'SCHEDULE', 'SUCCESSFUL', null, 1, 10, 15),
      // created 23:30-02:00; unfinished runs count, their minutes do not
      usageRow('2024-06-03', REPO, 'MANUAL', 'IN_PROGRESS', GRACE, 1, null, null),
      usageRow('2024-06-03', REPO, 'MANUAL', 'PENDING', GRACE, 1, null, null),
    ]);
  });
});
