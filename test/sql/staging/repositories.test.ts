// The staging layer (sql/staging) over hand-written raw records (test/support/stagingDataset.ts):
// typed columns, one row per record_key across connections, tombstones kept as is_deleted.
// The repository family: repositories, commits, branches. Only this family's raw records are loaded
// and only its models built.
import { expect, it } from 'vitest';
import { REPO, t, WS } from '../../support/rawFixtures';
import { useStagingWarehouse } from '../../support/stagingDataset';
import { describeEachWarehouse } from '../../support/warehouse';

describeEachWarehouse('the staging models: repositories', (engine) => {
  const fx = useStagingWarehouse(engine, {
    streams: ['repositories', 'commits', 'branches'],
    models: ['stg_repositories', 'stg_commits', 'stg_branches'],
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
