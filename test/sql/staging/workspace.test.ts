// The staging layer (sql/staging) over hand-written raw records (test/support/stagingDataset.ts):
// typed columns, one row per record_key across connections, tombstones kept as is_deleted.
// The workspace family: workspaces, members, permissions, projects; and the staging layer's list of
// models. Only this family's raw records are loaded and only its models built.
import { expect, it } from 'vitest';
import { loadProject } from '../../../transforms/project';
import { SQL_DIR, t, WS } from '../../support/rawFixtures';
import { EXTRACTED, RUN_AT, useStagingWarehouse } from '../../support/stagingDataset';
import { describeEachWarehouse } from '../../support/warehouse';

describeEachWarehouse('the staging models: workspace', (engine) => {
  const fx = useStagingWarehouse(engine, {
    streams: ['workspaces', 'members', 'permissions', 'projects'],
    models: ['stg_workspaces', 'stg_members', 'stg_permissions', 'stg_projects'],
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
});
