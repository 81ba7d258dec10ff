// The staging layer (sql/staging) over hand-written raw records (test/support/stagingDataset.ts):
// typed columns, one row per record_key across connections, tombstones kept as is_deleted.
// The pipeline and deployment family: pipelines, steps, deployments, environments. Only this
// family's raw records are loaded and only its models built.
import { expect, it } from 'vitest';
import { REPO, t } from '../../support/rawFixtures';
import { useStagingWarehouse } from '../../support/stagingDataset';
import { describeEachWarehouse } from '../../support/warehouse';

describeEachWarehouse('the staging models: pipelines', (engine) => {
  const fx = useStagingWarehouse(engine, {
    streams: ['pipelines', 'pipeline_steps', 'deployments', 'environments'],
    models: ['stg_pipelines', 'stg_pipeline_steps', 'stg_deployments', 'stg_environments'],
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
