// Hand-written raw records for the staging layer (sql/staging), shaped like the sandbox's render
// functions (sandbox/render/objects.ts) after the catalog's `fields=` projections, and a fixture that
// loads a family of streams and builds only that family's staging models. Shared by
// test/sql/staging/*.test.ts.
import { beforeAll, expect } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
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
  WS,
} from './rawFixtures';
import { type MigratedWarehouse, useMigratedWarehouse, type WarehouseUnderTest } from './warehouse';

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

export const DATASET = {
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

export const EXTRACTED = { c1: '2024-07-01T00:00:00.000000Z', c2: '2024-07-02T00:00:00.000000Z' };
export const RUN_AT = '2024-07-03T00:00:00.000000Z';

export type StagingStream = keyof typeof DATASET;

export interface StagingWarehouse extends MigratedWarehouse {
  /** The model's columns, rows ordered by record_key, timestamps as Dates. */
  select: (model: string, columns: string[]) => Promise<Record<string, unknown>[]>;
}

/**
 * A migrated warehouse holding only `streams`' raw records (as connections c1 and c2 extracted
 * them; Grace's membership then tombstoned by c1's next listing) and only `models` built.
 */
export function useStagingWarehouse(
  engine: () => WarehouseUnderTest,
  family: { streams: readonly StagingStream[]; models: readonly string[] },
): StagingWarehouse {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 }) as StagingWarehouse;
  fx.select = async (model, columns) =>
    plain(
      await fx.db.query(
        `select ${columns.join(', ')} from ${fx.db.table('staging', model)} order by record_key`,
      ),
    );
  beforeAll(async () => {
    const { db } = fx;
    for (const stream of family.streams)
      for (const [connectionId, records] of Object.entries(DATASET[stream] as Record<string, RawRecord[]>))
        await loadRecords(db, {
          stream,
          connectionId,
          workspaceUuid: WS,
          runId: `run-${connectionId}`,
          records,
          extractedAt: EXTRACTED[connectionId as keyof typeof EXTRACTED],
        });
    // Grace left the workspace: c1's next listing no longer has her
    if (family.streams.includes('members'))
      await markDeleted(db, {
        stream: 'members',
        connectionId: 'c1',
        parentKey: WS,
        keep: [`${WS}:{u-ada}`, `${WS}:{u-bot}`],
        runId: 'run-c1b',
        at: RUN_AT,
      });
    const results = await runModels(db, loadProject(SQL_DIR), { select: family.models });
    expect(results.map((r) => r.name).sort()).toEqual([...family.models].sort());
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  }, 300_000);
  return fx;
}
