// The event layer over hand-written raw records: int_user_events (one row per user action, named
// by feature; unresolved commit authors kept; tombstones, non-terminal PR updates and runs nobody
// started left out), dim_features (the catalogue) and fct_feature_usage_daily (UTC day × workspace ×
// resolved user × feature).
import { beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import {
  type Account,
  ADA,
  asText,
  BOT,
  commitPayload,
  deployment,
  endpoint,
  GRACE,
  loadDataset,
  plain,
  prLink,
  REPO,
  repositoryRecord,
  SQL_DIR,
  sortRows,
  t,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';

const commit = (hash: string, date: string, authorRaw: string, user?: Account) => ({
  key: `${REPO}:${hash}`,
  parentKey: REPO,
  updatedOn: date,
  payload: commitPayload(hash, date, authorRaw, user),
});

const pullrequest = (id: number, state: string, author: Account, createdOn: string, updatedOn: string) => ({
  key: `${REPO}:${id}`,
  parentKey: REPO,
  updatedOn,
  payload: {
    ...prLink(id),
    description: '',
    state,
    author,
    source: endpoint(`feature/${id}`, 'aaa111'),
    destination: endpoint('main', 'bbb222'),
    merge_commit: null,
    comment_count: 0,
    task_count: 0,
    close_source_branch: false,
    closed_by: null,
    reason: '',
    created_on: createdOn,
    updated_on: updatedOn,
    draft: false,
    queued: false,
    reviewers: [],
    participants: [],
  },
});
const activity = (pr: number, suffix: string, at: string, payload: Record<string, unknown>) => ({
  key: `${REPO}:${pr}:${suffix}`,
  parentKey: `${REPO}:${pr}`,
  updatedOn: at,
  payload: { ...payload, pull_request: prLink(pr) },
});
const update = (state: string, author: Account, date: string) => ({
  update: {
    state,
    title: 'PR',
    description: '',
    reason: '',
    author,
    date,
    source: endpoint('feature/x', 'aaa111'),
    destination: endpoint('main', 'bbb222'),
  },
});
const pipeline = (uuid: string, createdOn: string, trigger: string, creator?: Account) => ({
  key: uuid,
  parentKey: REPO,
  updatedOn: createdOn,
  payload: {
    type: 'pipeline',
    uuid,
    build_number: 1,
    target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main' },
    trigger: { name: trigger },
    state: { name: 'COMPLETED', result: { name: 'SUCCESSFUL' } },
    created_on: createdOn,
    build_seconds_used: 10,
    ...(creator ? { creator } : {}),
  },
});

const DATASET = {
  repositories: [repositoryRecord(REPO, WS, 'api')],
  commits: [
    commit('aaa111', '2024-06-01T09:00:00.000000+00:00', 'Ada <ada@example.com>', ADA),
    // 01:30 at +02:00 is still 1 June in UTC
    commit('bbb222', '2024-06-02T01:30:00.000000+02:00', 'Ada <ada@example.com>', ADA),
    // no Bitbucket user: kept, unresolved
    commit('ccc333', '2024-06-02T09:30:00.000000+00:00', 'ci <ci@example.com>'),
    // tombstoned below
    commit('ddd444', '2024-06-02T10:00:00.000000+00:00', 'Ada <ada@example.com>', ADA),
  ],
  pullrequests: [
    pullrequest(7, 'MERGED', ADA, '2024-06-01T08:00:00.000000+00:00', '2024-06-03T12:00:00.000000+00:00'),
    pullrequest(8, 'DECLINED', GRACE, '2024-06-02T11:00:00.000000+00:00', '2024-06-02T12:00:00.000000+00:00'),
  ],
  pr_activity: [
    activity(7, 'comment:11', '2024-06-01T09:00:00.000000+00:00', {
      comment: {
        type: 'pullrequest_comment',
        id: 11,
        created_on: '2024-06-01T09:00:00.000000+00:00',
        updated_on: '2024-06-01T09:00:00.000000+00:00',
        content: { raw: 'nice' },
        user: GRACE,
      },
    }),
    activity(7, 'changes_requested', '2024-06-01T10:00:00.000000+00:00', {
      changes_requested: { date: '2024-06-01T10:00:00.000000+00:00', user: GRACE, pullrequest: prLink(7) },
    }),
    activity(7, 'approval', '2024-06-02T10:00:00.000000+00:00', {
      approval: { date: '2024-06-02T10:00:00.000000+00:00', user: GRACE, pullrequest: prLink(7) },
    }),
    // an OPEN update is not an event
    activity(
      7,
      'update:open',
      '2024-06-01T08:00:00.000000+00:00',
      update('OPEN', ADA, '2024-06-01T08:00:00.000000+00:00'),
    ),
    activity(
      7,
      'update:merged',
      '2024-06-03T12:00:00.000000+00:00',
      update('MERGED', GRACE, '2024-06-03T12:00:00.000000+00:00'),
    ),
    activity(
      8,
      'update:declined',
      '2024-06-02T12:00:00.000000+00:00',
      update('DECLINED', ADA, '2024-06-02T12:00:00.000000+00:00'),
    ),
  ],
  pipelines: [
    pipeline('{pipe-1}', '2024-06-01T10:00:00.000000Z', 'PUSH', ADA),
    // scheduled, nobody started it: not an event
    pipeline('{pipe-2}', '2024-06-02T00:00:00.000000Z', 'SCHEDULE'),
  ],
  deployments: [
    deployment(1, BOT, '2024-06-01T10:50:00.000000+00:00', 'aaa111', '2024-06-01T11:00:00.000000+00:00'),
  ],
} satisfies Record<string, RawRecord[]>;

const event = (
  feature: string,
  source: string,
  user: string | null,
  at: string,
  authorRaw: string | null = null,
) => ({
  event_key: `${feature}:${source}`,
  workspace_uuid: WS,
  repository_uuid: REPO,
  user_uuid: user,
  author_raw: authorRaw,
  is_resolved: user !== null,
  feature,
  occurred_at: t(at),
  source_record_key: source,
});

const usage = (activity_date: string, user_uuid: string, feature: string, events: number) => ({
  activity_date,
  workspace_uuid: WS,
  user_uuid,
  feature,
  events,
});

// What this file reads, and what those models read: the rest of the project is other files' business.
const BUILT = ['int_user_events', 'dim_features', 'fct_feature_usage_daily'].map((model) => `+${model}`);

describeEachDialect('the event models', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });

  beforeAll(async () => {
    await loadDataset(fx.db, DATASET, '2024-07-01T00:00:00.000000Z');
    await markDeleted(fx.db, {
      stream: 'commits',
      connectionId: 'c1',
      parentKey: REPO,
      keep: [`${REPO}:aaa111`, `${REPO}:bbb222`, `${REPO}:ccc333`],
      runId: 'run-c1b',
      at: '2024-07-02T00:00:00.000000Z',
    });
    const results = await runModels(fx.db, loadProject(SQL_DIR), { select: BUILT });
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  }, 300_000);

  it('int_user_events: one row per action, unresolved commit authors kept, tombstones and non-events left out', async () => {
    const rows = plain(
      await fx.db.query(
        `select event_key, workspace_uuid, repository_uuid, user_uuid, author_raw, is_resolved, feature,
                occurred_at, source_record_key
         from ${fx.db.table('intermediate', 'int_user_events')}`,
      ),
    );
    expect(sortRows(rows, ['event_key'])).toEqual([
      event('commit_authored', `${REPO}:aaa111`, '{u-ada}', '2024-06-01T09:00:00Z', 'Ada <ada@example.com>'),
      event('commit_authored', `${REPO}:bbb222`, '{u-ada}', '2024-06-01T23:30:00Z', 'Ada <ada@example.com>'),
      event('commit_authored', `${REPO}:ccc333`, null, '2024-06-02T09:30:00Z', 'ci <ci@example.com>'),
      event('deployment', '{dep-1}', '{u-bot}', '2024-06-01T10:50:00Z'),
      event('pipeline_triggered', '{pipe-1}', '{u-ada}', '2024-06-01T10:00:00Z'),
      event('pr_approved', `${REPO}:7:approval`, '{u-grace}', '2024-06-02T10:00:00Z'),
      event('pr_changes_requested', `${REPO}:7:changes_requested`, '{u-grace}', '2024-06-01T10:00:00Z'),
      event('pr_comment', `${REPO}:7:comment:11`, '{u-grace}', '2024-06-01T09:00:00Z'),
      event('pr_declined', `${REPO}:8:update:declined`, '{u-ada}', '2024-06-02T12:00:00Z'),
      event('pr_merged', `${REPO}:7:update:merged`, '{u-grace}', '2024-06-03T12:00:00Z'),
      event('pr_opened', `${REPO}:7`, '{u-ada}', '2024-06-01T08:00:00Z'),
      event('pr_opened', `${REPO}:8`, '{u-grace}', '2024-06-02T11:00:00Z'),
    ]);
  });

  it('dim_features: the eleven features, each described', async () => {
    const rows = await fx.db.query<{ feature: string; display_name: string; description: string }>(
      `select feature, display_name, description from ${fx.db.table('marts', 'dim_features')}`,
    );
    expect(rows.map((r) => r.feature).sort()).toEqual([
      'commit_authored',
      'deployment',
      'pipeline_triggered',
      'pr_approved',
      'pr_changes_requested',
      'pr_comment',
      'pr_declined',
      'pr_merged',
      'pr_opened',
      'pr_task_created',
      'pr_task_resolved',
    ]);
    expect(rows.every((r) => r.display_name.length > 0 && r.description.length > 0)).toBe(true);
  });

  it('fct_feature_usage_daily: events per UTC day, workspace, resolved user and feature', async () => {
    const rows = await fx.db.query(
      `select ${asText(fx.db, 'activity_date')} as activity_date, workspace_uuid, user_uuid, feature, events
       from ${fx.db.table('marts', 'fct_feature_usage_daily')}`,
    );
    expect(sortRows(rows, ['activity_date', 'user_uuid', 'feature'])).toEqual([
      usage('2024-06-01', '{u-ada}', 'commit_authored', 2),
      usage('2024-06-01', '{u-ada}', 'pipeline_triggered', 1),
      usage('2024-06-01', '{u-ada}', 'pr_opened', 1),
      usage('2024-06-01', '{u-bot}', 'deployment', 1),
      usage('2024-06-01', '{u-grace}', 'pr_changes_requested', 1),
      usage('2024-06-01', '{u-grace}', 'pr_comment', 1),
      usage('2024-06-02', '{u-ada}', 'pr_declined', 1),
      usage('2024-06-02', '{u-grace}', 'pr_approved', 1),
      usage('2024-06-02', '{u-grace}', 'pr_opened', 1),
      usage('2024-06-03', '{u-grace}', 'pr_merged', 1),
    ]);
  });
});
