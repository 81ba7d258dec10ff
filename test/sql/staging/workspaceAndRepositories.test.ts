// The staging layer (sql/staging) over hand-written raw records (test/support/stagingDataset.ts):
// typed columns, one row per record_key across connections, tombstones kept as is_deleted.
// The workspace family (workspaces, members, permissions, projects) and the repository family
// (repositories, commits, branches), with the staging layer's list of models.
// Two families to a file: each file pays for one migrated warehouse per engine (BigQuery's
// migration is most of the setup); only its streams are loaded and only its models built.
import { expect, it } from 'vitest';
import { loadProject } from '../../../transforms/project';
import { REPO, SQL_DIR, t, WS } from '../../support/rawFixtures';
import { EXTRACTED, RUN_AT, useStagingWarehouse } from '../../support/stagingDataset';
import { describeEachDialect } from '../../support/warehouse';

describeEachDialect('the staging models: workspaceAndRepositories', (engine) => {
  const fx = useStagingWarehouse(engine, {
    streams: ['workspaces', 'members', 'permissions', 'projects', 'repositories', 'commits', 'branches'],
    models: [
      'stg_workspaces',
      'stg_members',
      'stg_permissions',
      'stg_projects',
      'stg_repositories',
      'stg_commits',
      'stg_branches',
    ],
  });

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
      await fx.select('stg_workspaces', [
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
      await fx.select('stg_members', [
        'record_key',
        'connection_id',
        'workspace_uuid',
        'workspace_name',
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
        workspace_name: 'Acme',
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
        workspace_name: 'Acme',
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
        workspace_name: 'Acme',
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

  it('permissions and projects', async () => {
    expect(
      await fx.select('stg_permissions', [
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
      await fx.select('stg_projects', [
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
  });

  it('repositories: the latest updated_on wins over the latest extraction; timestamps are instants', async () => {
    expect(
      await fx.select('stg_repositories', [
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
      fx.db.dialect === 'bigquery'
        ? 'extract(microsecond from updated_on)'
        : 'cast(extract(microseconds from updated_on) as integer)';
    const [row] = await fx.db.query(
      `select ${micros} as us from ${fx.db.table('staging', 'stg_repositories')}`,
    );
    expect(Number(row?.us) % 1_000_000).toBe(654_321);
  });

  it('commits: author user uuid when linked, null when only the raw author is known', async () => {
    expect(
      await fx.select('stg_commits', [
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

  it('branches: the head commit of each branch', async () => {
    expect(
      await fx.select('stg_branches', [
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
