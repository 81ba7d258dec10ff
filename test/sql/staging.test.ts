// The staging layer (sql/staging) over hand-written raw records shaped like the sandbox's render
// functions (sandbox/render/objects.ts) after the catalog's `fields=` projections: typed columns,
// one row per record_key across connections, tombstones kept as is_deleted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import type { WarehouseEngine } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import {
  type Account,
  ADA,
  BOT,
  commitPayload,
  deployment,
  endpoint,
  GRACE,
  plain,
  prLink,
  REPO,
  SQL_DIR,
  t,
  WS,
} from '../support/rawFixtures';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

const workspaceLink = { type: 'workspace', uuid: WS, slug: 'acme', name: 'Acme' };

/** An item of GET /user/workspaces: the workspace's uuid and slug only. */
const workspaceAccess = {
  key: WS,
  payload: {
    type: 'workspace_access',
    administrator: false,
    workspace: { type: 'workspace_base', uuid: WS, slug: 'acme' },
  },
};

const membership = (user: Account) => ({
  type: 'workspace_membership',
  user,
  workspace: workspaceLink,
});

const repository = (name: string, updatedOn: string) => ({
  type: 'repository',
  full_name: `acme/${name}`,
  name,
  uuid: REPO,
  slug: name,
  description: '',
  scm: 'git',
  is_private: true,
  workspace: workspaceLink,
  project: { type: 'project', key: 'CORE', uuid: '{proj-1}', name: 'Core' },
  mainbranch: { type: 'branch', name: 'main' },
  created_on: '2024-01-02T03:04:05.123456+00:00',
  updated_on: updatedOn,
  size: 42_100,
  language: 'typescript',
  has_issues: false,
  has_wiki: false,
});

const commit = commitPayload;

const DATASET = {
  // the same workspace seen by two connections' users
  workspaces: { c1: [workspaceAccess], c2: [workspaceAccess] },
  members: {
    c1: [
      { key: `${WS}:{u-ada}`, parentKey: WS, payload: membership(ADA) },
      { key: `${WS}:{u-bot}`, parentKey: WS, payload: membership(BOT) },
      { key: `${WS}:{u-grace}`, parentKey: WS, payload: membership(GRACE) },
    ],
    // the same member seen by a second connection, later, under a new display name
    c2: [
      {
        key: `${WS}:{u-ada}`,
        parentKey: WS,
        payload: membership({ ...ADA, display_name: 'Ada L.' }),
      },
    ],
  },
  repositories: {
    // c1 extracted later but saw an older updated_on: c2's row wins
    c1: [
      {
        key: REPO,
        parentKey: WS,
        updatedOn: '2024-05-01T10:00:00.000001+00:00',
        payload: repository('old-name', '2024-05-01T10:00:00.000001+00:00'),
      },
    ],
    c2: [
      {
        key: REPO,
        parentKey: WS,
        updatedOn: '2024-06-01T10:00:00.654321+00:00',
        payload: repository('api', '2024-06-01T10:00:00.654321+00:00'),
      },
    ],
  },
  commits: {
    c1: [
      {
        key: `${REPO}:aaa111`,
        parentKey: REPO,
        updatedOn: '2024-06-01T09:00:00.000000+00:00',
        payload: commit('aaa111', '2024-06-01T09:00:00.000000+00:00', 'Ada <ada@example.com>', ADA),
      },
      {
        key: `${REPO}:bbb222`,
        parentKey: REPO,
        updatedOn: '2024-06-02T09:30:00.250000+00:00',
        payload: commit('bbb222', '2024-06-02T09:30:00.250000+00:00', 'ci <ci@example.com>'),
      },
    ],
  },
  pullrequests: {
    c1: [
      {
        key: `${REPO}:7`,
        parentKey: REPO,
        updatedOn: '2024-06-03T12:00:00.000000+00:00',
        payload: {
          ...prLink(7),
          description: 'adds things',
          state: 'MERGED',
          author: ADA,
          source: endpoint('feature/x', 'aaa111'),
          destination: endpoint('main', 'bbb222'),
          merge_commit: { type: 'commit', hash: 'ccc333' },
          comment_count: 2,
          task_count: 0,
          close_source_branch: true,
          closed_by: GRACE,
          reason: '',
          created_on: '2024-06-01T08:00:00.000000+00:00',
          updated_on: '2024-06-03T12:00:00.000000+00:00',
          draft: false,
          queued: false,
          reviewers: [GRACE],
          participants: [],
        },
      },
      {
        key: `${REPO}:8`,
        parentKey: REPO,
        updatedOn: '2024-06-04T12:00:00.000000+00:00',
        payload: {
          ...prLink(8),
          description: '',
          state: 'OPEN',
          author: GRACE,
          source: endpoint('wip', 'ddd444'),
          destination: endpoint('main', 'bbb222'),
          merge_commit: null,
          comment_count: 0,
          task_count: 0,
          close_source_branch: false,
          closed_by: null,
          reason: '',
          created_on: '2024-06-04T11:00:00.000000+00:00',
          updated_on: '2024-06-04T12:00:00.000000+00:00',
          draft: true,
          queued: false,
          reviewers: [],
          participants: [],
        },
      },
    ],
  },
  pr_activity: {
    c1: [
      {
        key: `${REPO}:7:comment:2024-06-01T09:00:00.000000+00:00:comment-11`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-01T09:05:00.000000+00:00',
        payload: {
          comment: {
            type: 'pullrequest_comment',
            id: 11,
            created_on: '2024-06-01T09:00:00.000000+00:00',
            updated_on: '2024-06-01T09:05:00.000000+00:00',
            content: { type: 'rendered', raw: 'nice', markup: 'markdown', html: '<p>nice</p>' },
            user: GRACE,
            deleted: false,
            pending: false,
          },
          pull_request: prLink(7),
        },
      },
      {
        key: `${REPO}:7:approval:2024-06-02T10:00:00.000000+00:00:{u-grace}`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-02T10:00:00.000000+00:00',
        payload: {
          approval: { date: '2024-06-02T10:00:00.000000+00:00', user: GRACE, pullrequest: prLink(7) },
          pull_request: prLink(7),
        },
      },
      {
        key: `${REPO}:7:changes_requested:2024-06-01T10:00:00.000000+00:00:{u-bot}`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-01T10:00:00.000000+00:00',
        payload: {
          changes_requested: {
            date: '2024-06-01T10:00:00.000000+00:00',
            user: BOT,
            pullrequest: prLink(7),
          },
          pull_request: prLink(7),
        },
      },
      {
        key: `${REPO}:7:update:2024-06-03T12:00:00.000000+00:00:{u-grace}`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-03T12:00:00.000000+00:00',
        payload: {
          update: {
            state: 'MERGED',
            title: 'PR 7',
            description: 'adds things',
            reason: '',
            author: GRACE,
            date: '2024-06-03T12:00:00.000000+00:00',
            source: endpoint('feature/x', 'aaa111'),
            destination: endpoint('main', 'bbb222'),
          },
          pull_request: prLink(7),
        },
      },
    ],
  },
  pr_comments: {
    c1: [
      {
        key: `${REPO}:11`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-01T09:05:00.000000+00:00',
        payload: {
          type: 'pullrequest_comment',
          id: 11,
          created_on: '2024-06-01T09:00:00.000000+00:00',
          updated_on: '2024-06-01T09:05:00.000000+00:00',
          content: { type: 'rendered', raw: 'nice', markup: 'markdown', html: '<p>nice</p>' },
          user: GRACE,
          deleted: false,
          pending: false,
          pullrequest: prLink(7),
          inline: { path: 'src/a.ts', from: null, to: 3 },
        },
      },
      {
        key: `${REPO}:12`,
        parentKey: `${REPO}:7`,
        updatedOn: '2024-06-01T09:06:00.000000+00:00',
        payload: {
          type: 'pullrequest_comment',
          id: 12,
          created_on: '2024-06-01T09:06:00.000000+00:00',
          updated_on: '2024-06-01T09:06:00.000000+00:00',
          content: { type: 'rendered', raw: '', markup: 'markdown', html: '<p></p>' },
          user: ADA,
          deleted: true,
          pending: false,
          pullrequest: prLink(7),
          parent: { type: 'pullrequest_comment', id: 11 },
        },
      },
    ],
  },
  pipelines: {
    c1: [
      {
        key: '{pipe-1}',
        parentKey: REPO,
        updatedOn: '2024-06-01T10:05:30.500000Z',
        payload: {
          type: 'pipeline',
          uuid: '{pipe-1}',
          build_number: 41,
          target: {
            type: 'pipeline_ref_target',
            ref_type: 'branch',
            ref_name: 'main',
            commit: { type: 'commit', hash: 'aaa111' },
            selector: { type: 'branches', pattern: 'main' },
          },
          trigger: { name: 'PUSH', type: 'pipeline_trigger_push' },
          state: {
            name: 'COMPLETED',
            type: 'pipeline_state_completed',
            result: { name: 'FAILED', type: 'pipeline_state_completed_failed' },
          },
          created_on: '2024-06-01T10:00:00.000001Z',
          run_number: 1,
          build_seconds_used: 330,
          duration_in_seconds: 331,
          creator: ADA,
          completed_on: '2024-06-01T10:05:30.500000Z',
        },
      },
      {
        key: '{pipe-2}',
        parentKey: REPO,
        updatedOn: '2024-06-02T00:00:00.000000Z',
        payload: {
          type: 'pipeline',
          uuid: '{pipe-2}',
          build_number: 42,
          target: {
            type: 'pipeline_ref_target',
            ref_type: 'branch',
            ref_name: 'main',
            commit: { type: 'commit', hash: 'bbb222' },
            selector: { type: 'custom', pattern: 'nightly' },
          },
          trigger: { name: 'SCHEDULE', type: 'pipeline_trigger_schedule' },
          state: {
            name: 'IN_PROGRESS',
            type: 'pipeline_state_in_progress',
            stage: { name: 'RUNNING', type: 'pipeline_state_in_progress_running' },
          },
          created_on: '2024-06-02T00:00:00.000000Z',
          run_number: 1,
          build_seconds_used: 0,
          duration_in_seconds: null,
        },
      },
    ],
  },
  pipeline_steps: {
    c1: [
      {
        key: '{step-1}',
        parentKey: `${REPO}:{pipe-1}`,
        updatedOn: '2024-06-01T10:05:30.000000Z',
        payload: {
          type: 'pipeline_step',
          uuid: '{step-1}',
          name: 'test',
          state: {
            name: 'COMPLETED',
            type: 'pipeline_step_state_completed',
            result: { name: 'FAILED', type: 'pipeline_step_state_completed_failed' },
          },
          image: { name: 'node:20' },
          build_seconds_used: 300,
          duration_in_seconds: 300,
          run_number: 1,
          maxTime: 120,
          trigger: { type: 'pipeline_step_trigger_automatic' },
          pipeline: { type: 'pipeline', uuid: '{pipe-1}' },
          started_on: '2024-06-01T10:00:30.000000Z',
          completed_on: '2024-06-01T10:05:30.000000Z',
        },
      },
    ],
  },
  environments: {
    c1: [
      {
        key: '{env-prod}',
        parentKey: REPO,
        payload: {
          type: 'deployment_environment',
          uuid: '{env-prod}',
          name: 'Production',
          slug: 'production',
          rank: 2,
          environment_type: { type: 'deployment_environment_type', name: 'Production', rank: 2 },
          category: { name: 'Production' },
        },
      },
    ],
  },
  deployments: {
    c1: [
      deployment(1, BOT, '2024-06-01T10:50:00.000000+00:00', 'aaa111', '2024-06-01T11:00:00.000000+00:00'),
      deployment(2, ADA, '2024-06-02T11:00:00.000000+00:00', 'bbb222'),
    ],
  },
  permissions: {
    c1: [
      {
        key: `${WS}:{u-ada}`,
        parentKey: WS,
        payload: {
          type: 'workspace_membership',
          permission: 'owner',
          user: ADA,
          workspace: workspaceLink,
          added_on: '2023-01-01T00:00:00.000000+00:00',
          last_accessed: null,
        },
      },
    ],
  },
  projects: {
    c1: [
      {
        key: '{proj-1}',
        parentKey: WS,
        updatedOn: '2024-02-01T00:00:00.000000+00:00',
        payload: {
          type: 'project',
          key: 'CORE',
          uuid: '{proj-1}',
          name: 'Core',
          description: '',
          is_private: true,
          created_on: '2023-02-01T00:00:00.000000+00:00',
          updated_on: '2024-02-01T00:00:00.000000+00:00',
          workspace: workspaceLink,
        },
      },
    ],
  },
  branches: {
    c1: [
      {
        key: `${REPO}:main`,
        parentKey: REPO,
        updatedOn: '2024-06-02T09:30:00.250000+00:00',
        payload: {
          name: 'main',
          target: {
            hash: 'bbb222',
            date: '2024-06-02T09:30:00.250000+00:00',
            author: { raw: 'ci <ci@example.com>' },
          },
        },
      },
    ],
  },
} satisfies Record<string, Record<string, RawRecord[]>>;

const EXTRACTED = { c1: '2024-07-01T00:00:00.000000Z', c2: '2024-07-02T00:00:00.000000Z' };
const RUN_AT = '2024-07-03T00:00:00.000000Z';

describeEachWarehouse('the staging models', (engine) => {
  let wh: WarehouseUnderTest;
  let db: WarehouseEngine;
  const select = async (model: string, columns: string[]) =>
    plain(
      await db.query(`select ${columns.join(', ')} from ${db.table('staging', model)} order by record_key`),
    );

  beforeAll(async () => {
    wh = engine();
    db = await wh.open();
    await migrate(db);
    for (const [stream, byConnection] of Object.entries(DATASET))
      for (const [connectionId, records] of Object.entries(byConnection))
        await loadRecords(db, {
          stream,
          connectionId,
          workspaceUuid: WS,
          runId: `run-${connectionId}`,
          records,
          extractedAt: EXTRACTED[connectionId as keyof typeof EXTRACTED],
        });
    // Grace left the workspace: c1's next listing no longer has her
    await markDeleted(db, {
      stream: 'members',
      connectionId: 'c1',
      parentKey: WS,
      keep: [`${WS}:{u-ada}`, `${WS}:{u-bot}`],
      runId: 'run-c1b',
      at: RUN_AT,
    });
    const results = await runModels(db, loadProject(SQL_DIR));
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  }, 300_000);

  afterAll(async () => {
    await wh?.cleanup(db);
    await db?.close();
  }, 120_000);

  it('has one staging model per extracted stream', () => {
    const project = loadProject(SQL_DIR);
    const staging = [...project.models.entries()]
      .filter(([, m]) => m.layer === 'staging')
      .map(([name]) => name);
    expect(staging).toEqual([
      'stg_branches',
      'stg_commits',
      'stg_deployments',
      'stg_environments',
      'stg_group_members',
      'stg_members',
      'stg_permissions',
      'stg_pipeline_steps',
      'stg_pipelines',
      'stg_pr_activity',
      'stg_pr_comments',
      'stg_pr_commits',
      'stg_pr_tasks',
      'stg_project_group_permissions',
      'stg_project_user_permissions',
      'stg_projects',
      'stg_pullrequests',
      'stg_repositories',
      'stg_workspaces',
    ]);
  });

  it('workspaces: one row per workspace across connections (latest extraction wins)', async () => {
    expect(
      await select('stg_workspaces', [
        'record_key',
        'connection_id',
        'uuid',
        'slug',
        'is_deleted',
        '_extracted_at',
      ]),
    ).toEqual([
      {
        record_key: WS,
        connection_id: 'c2',
        uuid: WS,
        slug: 'acme',
        is_deleted: false,
        _extracted_at: t(EXTRACTED.c2),
      },
    ]);
  });

  it('members: one row per key across connections (latest extraction wins), app users, tombstones kept', async () => {
    expect(
      await select('stg_members', [
        'record_key',
        'connection_id',
        'workspace_uuid',
        'user_uuid',
        'account_id',
        'display_name',
        'user_type',
        'is_deleted',
        '_deleted_at',
        '_extracted_at',
      ]),
    ).toEqual([
      {
        record_key: `${WS}:{u-ada}`,
        connection_id: 'c2',
        workspace_uuid: WS,
        user_uuid: '{u-ada}',
        account_id: 'acc-ada',
        display_name: 'Ada L.',
        user_type: 'user',
        is_deleted: false,
        _deleted_at: null,
        _extracted_at: t(EXTRACTED.c2),
      },
      {
        record_key: `${WS}:{u-bot}`,
        connection_id: 'c1',
        workspace_uuid: WS,
        user_uuid: '{u-bot}',
        account_id: 'acc-deploy bot',
        display_name: 'Deploy Bot',
        user_type: 'app_user',
        is_deleted: false,
        _deleted_at: null,
        _extracted_at: t(EXTRACTED.c1),
      },
      {
        record_key: `${WS}:{u-grace}`,
        connection_id: 'c1',
        workspace_uuid: WS,
        user_uuid: '{u-grace}',
        account_id: 'acc-grace',
        display_name: 'Grace',
        user_type: 'user',
        is_deleted: true,
        _deleted_at: t(RUN_AT),
        _extracted_at: t(EXTRACTED.c1),
      },
    ]);
  });

  it('repositories: the latest updated_on wins over the latest extraction; timestamps are instants', async () => {
    expect(
      await select('stg_repositories', [
        'record_key',
        'connection_id',
        'uuid',
        'workspace_uuid',
        'slug',
        'name',
        'project_key',
        'language',
        'is_private',
        'created_on',
        'updated_on',
        'is_deleted',
      ]),
    ).toEqual([
      {
        record_key: REPO,
        connection_id: 'c2',
        uuid: REPO,
        workspace_uuid: WS,
        slug: 'api',
        name: 'api',
        project_key: 'CORE',
        language: 'typescript',
        is_private: true,
        created_on: t('2024-01-02T03:04:05.123Z'),
        updated_on: t('2024-06-01T10:00:00.654Z'),
        is_deleted: false,
      },
    ]);
    // microseconds survive the parse (Dates only hold milliseconds)
    const micros =
      db.dialect === 'bigquery'
        ? 'extract(microsecond from updated_on)'
        : 'cast(extract(microseconds from updated_on) as integer)';
    const [row] = await db.query(`select ${micros} as us from ${db.table('staging', 'stg_repositories')}`);
    expect(Number(row?.us) % 1_000_000).toBe(654_321);
  });

  it('commits: author user uuid when linked, null when only the raw author is known', async () => {
    expect(
      await select('stg_commits', [
        'record_key',
        'repository_uuid',
        'hash',
        'committed_at',
        'author_raw',
        'author_uuid',
        'is_deleted',
      ]),
    ).toEqual([
      {
        record_key: `${REPO}:aaa111`,
        repository_uuid: REPO,
        hash: 'aaa111',
        committed_at: t('2024-06-01T09:00:00Z'),
        author_raw: 'Ada <ada@example.com>',
        author_uuid: '{u-ada}',
        is_deleted: false,
      },
      {
        record_key: `${REPO}:bbb222`,
        repository_uuid: REPO,
        hash: 'bbb222',
        committed_at: t('2024-06-02T09:30:00.250Z'),
        author_raw: 'ci <ci@example.com>',
        author_uuid: null,
        is_deleted: false,
      },
    ]);
  });

  it('pull requests: ids and counts as numbers, draft as boolean, null merge commit and closer when open', async () => {
    expect(
      await select('stg_pullrequests', [
        'record_key',
        'repository_uuid',
        'pr_id',
        'state',
        'author_uuid',
        'created_on',
        'updated_on',
        'closed_by_uuid',
        'merge_commit_hash',
        'comment_count',
        'draft',
        'source_branch',
        'destination_branch',
      ]),
    ).toEqual([
      {
        record_key: `${REPO}:7`,
        repository_uuid: REPO,
        pr_id: 7,
        state: 'MERGED',
        author_uuid: '{u-ada}',
        created_on: t('2024-06-01T08:00:00Z'),
        updated_on: t('2024-06-03T12:00:00Z'),
        closed_by_uuid: '{u-grace}',
        merge_commit_hash: 'ccc333',
        comment_count: 2,
        draft: false,
        source_branch: 'feature/x',
        destination_branch: 'main',
      },
      {
        record_key: `${REPO}:8`,
        repository_uuid: REPO,
        pr_id: 8,
        state: 'OPEN',
        author_uuid: '{u-grace}',
        created_on: t('2024-06-04T11:00:00Z'),
        updated_on: t('2024-06-04T12:00:00Z'),
        closed_by_uuid: null,
        merge_commit_hash: null,
        comment_count: 0,
        draft: true,
        source_branch: 'wip',
        destination_branch: 'main',
      },
    ]);
  });

  it('pull request activity: the kind of each item, when, by whom', async () => {
    const rows = await select('stg_pr_activity', [
      'record_key',
      'repository_uuid',
      'pr_id',
      'activity_type',
      'occurred_at',
      'actor_uuid',
      'comment_id',
      'update_state',
    ]);
    const base = { repository_uuid: REPO, pr_id: 7 };
    expect(rows.map(({ record_key, ...rest }) => rest)).toEqual([
      {
        ...base,
        activity_type: 'approval',
        occurred_at: t('2024-06-02T10:00:00Z'),
        actor_uuid: '{u-grace}',
        comment_id: null,
        update_state: null,
      },
      {
        ...base,
        activity_type: 'changes_requested',
        occurred_at: t('2024-06-01T10:00:00Z'),
        actor_uuid: '{u-bot}',
        comment_id: null,
        update_state: null,
      },
      {
        ...base,
        activity_type: 'comment',
        occurred_at: t('2024-06-01T09:00:00Z'),
        actor_uuid: '{u-grace}',
        comment_id: 11,
        update_state: null,
      },
      {
        ...base,
        activity_type: 'update',
        occurred_at: t('2024-06-03T12:00:00Z'),
        actor_uuid: '{u-grace}',
        comment_id: null,
        update_state: 'MERGED',
      },
    ]);
  });

  it('pull request comments: deleted flag, replies, inline comments', async () => {
    expect(
      await select('stg_pr_comments', [
        'record_key',
        'repository_uuid',
        'pr_id',
        'comment_id',
        'parent_comment_id',
        'author_uuid',
        'created_on',
        'deleted',
        'is_inline',
        'inline_path',
        'is_deleted',
      ]),
    ).toEqual([
      {
        record_key: `${REPO}:11`,
        repository_uuid: REPO,
        pr_id: 7,
        comment_id: 11,
        parent_comment_id: null,
        author_uuid: '{u-grace}',
        created_on: t('2024-06-01T09:00:00Z'),
        deleted: false,
        is_inline: true,
        inline_path: 'src/a.ts',
        is_deleted: false,
      },
      {
        record_key: `${REPO}:12`,
        repository_uuid: REPO,
        pr_id: 7,
        comment_id: 12,
        parent_comment_id: 11,
        author_uuid: '{u-ada}',
        created_on: t('2024-06-01T09:06:00Z'),
        deleted: true,
        is_inline: false,
        inline_path: null,
        is_deleted: false,
      },
    ]);
  });

  it('pipelines and steps: Z timestamps, results, a run without creator or completion', async () => {
    expect(
      await select('stg_pipelines', [
        'record_key',
        'uuid',
        'repository_uuid',
        'build_number',
        'trigger_name',
        'state_name',
        'result_name',
        'creator_uuid',
        'created_on',
        'completed_on',
        'build_seconds_used',
        'duration_in_seconds',
        'commit_hash',
      ]),
    ).toEqual([
      {
        record_key: '{pipe-1}',
        uuid: '{pipe-1}',
        repository_uuid: REPO,
        build_number: 41,
        trigger_name: 'PUSH',
        state_name: 'COMPLETED',
        result_name: 'FAILED',
        creator_uuid: '{u-ada}',
        created_on: t('2024-06-01T10:00:00.000Z'),
        completed_on: t('2024-06-01T10:05:30.500Z'),
        build_seconds_used: 330,
        duration_in_seconds: 331,
        commit_hash: 'aaa111',
      },
      {
        record_key: '{pipe-2}',
        uuid: '{pipe-2}',
        repository_uuid: REPO,
        build_number: 42,
        trigger_name: 'SCHEDULE',
        state_name: 'IN_PROGRESS',
        result_name: null,
        creator_uuid: null,
        created_on: t('2024-06-02T00:00:00Z'),
        completed_on: null,
        build_seconds_used: 0,
        duration_in_seconds: null,
        commit_hash: 'bbb222',
      },
    ]);
    expect(
      await select('stg_pipeline_steps', [
        'uuid',
        'repository_uuid',
        'pipeline_uuid',
        'name',
        'state_name',
        'result_name',
        'started_on',
        'completed_on',
        'build_seconds_used',
      ]),
    ).toEqual([
      {
        uuid: '{step-1}',
        repository_uuid: REPO,
        pipeline_uuid: '{pipe-1}',
        name: 'test',
        state_name: 'COMPLETED',
        result_name: 'FAILED',
        started_on: t('2024-06-01T10:00:30Z'),
        completed_on: t('2024-06-01T10:05:30Z'),
        build_seconds_used: 300,
      },
    ]);
  });

  it('deployments and environments: completed and in-progress deployments', async () => {
    expect(
      await select('stg_deployments', [
        'uuid',
        'repository_uuid',
        'environment_uuid',
        'environment_name',
        'environment_type',
        'state_name',
        'status_name',
        'deployer_uuid',
        'started_on',
        'completed_on',
        'commit_hash',
      ]),
    ).toEqual([
      {
        uuid: '{dep-1}',
        repository_uuid: REPO,
        environment_uuid: '{env-prod}',
        environment_name: 'Production',
        environment_type: 'Production',
        state_name: 'COMPLETED',
        status_name: 'SUCCESSFUL',
        deployer_uuid: '{u-bot}',
        started_on: t('2024-06-01T10:50:00Z'),
        completed_on: t('2024-06-01T11:00:00Z'),
        commit_hash: 'aaa111',
      },
      {
        uuid: '{dep-2}',
        repository_uuid: REPO,
        environment_uuid: '{env-prod}',
        environment_name: 'Production',
        environment_type: 'Production',
        state_name: 'IN_PROGRESS',
        status_name: null,
        deployer_uuid: '{u-ada}',
        started_on: t('2024-06-02T11:00:00Z'),
        completed_on: null,
        commit_hash: 'bbb222',
      },
    ]);
    expect(
      await select('stg_environments', [
        'uuid',
        'repository_uuid',
        'name',
        'slug',
        'environment_type',
        'rank',
      ]),
    ).toEqual([
      {
        uuid: '{env-prod}',
        repository_uuid: REPO,
        name: 'Production',
        slug: 'production',
        environment_type: 'Production',
        rank: 2,
      },
    ]);
  });

  it('permissions, projects and branches', async () => {
    expect(
      await select('stg_permissions', [
        'workspace_uuid',
        'user_uuid',
        'permission',
        'added_on',
        'last_accessed',
      ]),
    ).toEqual([
      {
        workspace_uuid: WS,
        user_uuid: '{u-ada}',
        permission: 'owner',
        added_on: t('2023-01-01T00:00:00Z'),
        last_accessed: null,
      },
    ]);
    expect(
      await select('stg_projects', [
        'uuid',
        'workspace_uuid',
        'project_key',
        'name',
        'is_private',
        'updated_on',
      ]),
    ).toEqual([
      {
        uuid: '{proj-1}',
        workspace_uuid: WS,
        project_key: 'CORE',
        name: 'Core',
        is_private: true,
        updated_on: t('2024-02-01T00:00:00Z'),
      },
    ]);
    expect(
      await select('stg_branches', [
        'repository_uuid',
        'name',
        'head_hash',
        'head_committed_at',
        'head_author_uuid',
      ]),
    ).toEqual([
      {
        repository_uuid: REPO,
        name: 'main',
        head_hash: 'bbb222',
        head_committed_at: t('2024-06-02T09:30:00.250Z'),
        head_author_uuid: null,
      },
    ]);
  });
});
