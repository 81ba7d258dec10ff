// The staging layer (sql/staging) over hand-written raw records (test/support/stagingDataset.ts):
// typed columns, one row per record_key across connections, tombstones kept as is_deleted.
// The pull request family (pull requests, their activity and comments) and the pipeline family
// (pipelines, steps, deployments, environments).
// Two families to a file: each file pays for one migrated warehouse per engine (BigQuery's
// migration is most of the setup); only its streams are loaded and only its models built.
import { expect, it } from 'vitest';
import { REPO, t } from '../../support/rawFixtures';
import { useStagingWarehouse } from '../../support/stagingDataset';
import { describeEachDialect } from '../../support/warehouse';

describeEachDialect('the staging models: pullRequestsAndPipelines', (engine) => {
  const fx = useStagingWarehouse(engine, {
    streams: [
      'pullrequests',
      'pr_activity',
      'pr_comments',
      'pipelines',
      'pipeline_steps',
      'deployments',
      'environments',
    ],
    models: [
      'stg_pullrequests',
      'stg_pr_activity',
      'stg_pr_comments',
      'stg_pipelines',
      'stg_pipeline_steps',
      'stg_deployments',
      'stg_environments',
    ],
  });

  it('pull requests: ids and counts as numbers, draft as boolean, null merge commit and closer when open', async () => {
    expect(
      await fx.select('stg_pullrequests', [
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
    const rows = await fx.select('stg_pr_activity', [
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
      await fx.select('stg_pr_comments', [
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
      await fx.select('stg_pipelines', [
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
      await fx.select('stg_pipeline_steps', [
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
      await fx.select('stg_deployments', [
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
      await fx.select('stg_environments', [
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
});
