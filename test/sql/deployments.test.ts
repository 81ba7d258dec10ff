// The DORA marts over a hand-built deployment history whose every figure is worked out below:
// fct_deployments (one row per deployment, with its lead time and time to restore) and
// fct_dora_monthly (UTC month × workspace × environment type). Edge cases: a deployment still
// running, failures restored and not, Staging beside Production (restores stay per environment),
// two successes on one day, a tombstoned deployment, a redeploy of a commit already shipped, a
// deployed commit missing from the commits, and a deployment that starts in May and ends in June.
import { beforeAll, expect, it } from 'vitest';
import { loadProject, type Project } from '../../transforms/project';
import { runProject } from '../../transforms/run';
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

/** `06-01T00:10` (seconds optional) → `2024-06-01T00:10:00`. */
const iso = (at: string) => `2024-${at}${at.length > 11 ? '' : ':00'}`;
/** A time as the API writes it: `2024-06-01T00:10:00.000000+00:00`. */
const ts = (at: string) => `${iso(at)}.000000+00:00`;
/** A full 40-character commit hash of one repeated hex digit. */
const sha = (digit: number) => digit.toString(16).repeat(40);

const ENVIRONMENTS = {
  prod: { uuid: '{env-prod}', name: 'Production', slug: 'production', type: 'Production', rank: 2 },
  stg: { uuid: '{env-stg}', name: 'Staging', slug: 'staging', type: 'Staging', rank: 1 },
};
type Env = keyof typeof ENVIRONMENTS;
type Status = 'SUCCESSFUL' | 'FAILED' | 'STOPPED';

const environment = (env: Env) => {
  const e = ENVIRONMENTS[env];
  return {
    key: e.uuid,
    parentKey: REPO,
    payload: {
      type: 'deployment_environment',
      uuid: e.uuid,
      name: e.name,
      slug: e.slug,
      rank: e.rank,
      environment_type: { type: 'deployment_environment_type', name: e.type, rank: e.rank },
      category: { name: e.type },
    },
  };
};

interface Deploy {
  n: number;
  env: Env;
  deployer: Account;
  hash: string;
  started: string;
  /** Completion time and status; none: still in progress. */
  outcome?: [string, Status];
}
const dep = (
  n: number,
  env: Env,
  deployer: Account,
  hash: string,
  started: string,
  ...outcome: [string, Status] | []
): Deploy => ({
  n,
  env,
  deployer,
  hash,
  started,
  outcome: outcome.length ? outcome : undefined,
});

/** The shared builder's deployment (Production, SUCCESSFUL) moved to `env` with `status`. */
function deploymentRecord({ n, env, deployer, hash, started, outcome }: Deploy) {
  const base = deployment(n, deployer, ts(started), hash, outcome && ts(outcome[0]));
  const e = ENVIRONMENTS[env];
  const state = outcome
    ? {
        ...base.payload.state,
        status: { type: `deployment_state_completed_status_${outcome[1].toLowerCase()}`, name: outcome[1] },
      }
    : base.payload.state;
  const environment = {
    type: 'deployment_environment',
    uuid: e.uuid,
    name: e.name,
    environment_type: { name: e.type },
  };
  return { ...base, payload: { ...base.payload, state, environment } };
}

const commit = (hash: string, at: string) => ({
  key: `${REPO}:${hash}`,
  parentKey: REPO,
  updatedOn: ts(at),
  payload: commitPayload(hash, ts(at), 'Ada <ada@example.com>', ADA),
});

/** A pull request; Bitbucket gives its merge commit's hash abbreviated to 12 characters. */
const pullrequest = (id: number, state: string, createdOn: string, mergeHash: string | null) => ({
  key: `${REPO}:${id}`,
  parentKey: REPO,
  updatedOn: ts(createdOn),
  payload: {
    ...prLink(id),
    description: '',
    state,
    author: ADA,
    source: endpoint(`feature/${id}`, sha(14)),
    destination: endpoint('main', sha(15)),
    merge_commit: mergeHash ? { type: 'commit', hash: mergeHash.slice(0, 12) } : null,
    comment_count: 0,
    task_count: 0,
    close_source_branch: false,
    closed_by: null,
    reason: '',
    created_on: ts(createdOn),
    updated_on: ts(createdOn),
    draft: false,
    queued: false,
    reviewers: [],
    participants: [],
  },
});

const prCommit = (pr: number, hash: string, at: string) => ({
  key: `${REPO}:${pr}:${hash}`,
  parentKey: `${REPO}:${pr}`,
  updatedOn: ts(at),
  payload: { hash, date: ts(at), author: { raw: 'Ada <ada@example.com>', user: { uuid: ADA.uuid } } },
});

// Lead times count from the change's start: PR 1's first commit (05-27 15:00, before its opening),
// PR 2's opening (06-28 12:00, before its only commit), else the deployed commit's date.
const DEPLOYS: Deploy[] = [
  // May into June: counts in June. 05-27 15:00 → 06-01 00:10 = 105 h 10 min
  dep(1, 'prod', BOT, sha(1), '05-31T23:50', '06-01T00:10', 'SUCCESSFUL'),
  // two successes on 3 June: one deployment day. 2 h 20 min and 1 h 15 min
  dep(2, 'prod', BOT, sha(2), '06-03T10:00', '06-03T10:20', 'SUCCESSFUL'),
  dep(3, 'prod', BOT, sha(3), '06-03T12:00', '06-03T12:15', 'SUCCESSFUL'),
  // failed, restored by n 5 at 13:30 (3 h) — not by the staging success in between
  dep(4, 'prod', BOT, sha(4), '06-10T10:00', '06-10T10:30', 'FAILED'),
  dep(5, 'prod', BOT, sha(5), '06-10T12:00', '06-10T13:30', 'SUCCESSFUL'),
  // a redeploy of sha 2, already in production: no lead time
  dep(6, 'prod', ADA, sha(2), '06-12T09:00', '06-12T09:06', 'SUCCESSFUL'),
  // stopped: finished, neither success nor failure
  dep(7, 'prod', BOT, sha(6), '06-15T10:00', '06-15T10:03', 'STOPPED'),
  // the deployed commit is not among the commits and merged no pull request: no lead time
  dep(8, 'prod', BOT, sha(9), '06-20T10:00', '06-20T10:40', 'SUCCESSFUL'),
  // failed, restored by n 11 in July (n 10 is tombstoned): 06-25 09:12 → 07-02 10:30 = 169 h 18 min
  dep(9, 'prod', BOT, sha(7), '06-25T09:00', '06-25T09:12', 'FAILED'),
  dep(10, 'prod', BOT, sha(7), '06-26T10:00', '06-26T10:10', 'SUCCESSFUL'),
  // PR 2's merge commit, missing from the commits: 06-28 12:00 → 07-02 10:30 = 94 h 30 min
  dep(11, 'prod', BOT, sha(8), '07-02T10:00', '07-02T10:30', 'SUCCESSFUL'),
  // failed and not restored: only a running deployment follows
  dep(12, 'prod', BOT, sha(10), '07-05T10:00', '07-05T10:20', 'FAILED'),
  dep(13, 'prod', BOT, sha(10), '07-05T23:00'),
  // staging: 40 min 30 s = 0.675 h, a half that rounds up on every engine; failed and restored
  // 22 h 45 min later; 06-10 11:00 → 06-11 08:30 = 21 h 30 min
  dep(21, 'stg', ADA, sha(3), '06-03T11:30', '06-03T11:40:30', 'SUCCESSFUL'),
  dep(22, 'stg', ADA, sha(4), '06-10T09:30', '06-10T09:45', 'FAILED'),
  dep(23, 'stg', ADA, sha(5), '06-11T08:00', '06-11T08:30', 'SUCCESSFUL'),
];

const DATASET = {
  // fct_deployments' relationships test looks the repository up in dim_repositories
  repositories: [repositoryRecord(REPO, WS, 'api')],
  environments: [environment('prod'), environment('stg')],
  deployments: DEPLOYS.map(deploymentRecord),
  commits: [
    commit(sha(1), '05-30T10:00'),
    commit(sha(2), '06-03T08:00'),
    commit(sha(3), '06-03T11:00'),
    commit(sha(4), '06-10T09:00'),
    commit(sha(5), '06-10T11:00'),
    commit(sha(6), '06-14T10:00'),
    commit(sha(7), '06-25T08:00'),
    commit(sha(10), '07-05T09:00'),
  ],
  pullrequests: [
    pullrequest(1, 'MERGED', '05-28T09:00', sha(1)),
    pullrequest(2, 'MERGED', '06-28T12:00', sha(8)),
    pullrequest(3, 'DECLINED', '06-01T09:00', null),
  ],
  pr_commits: [
    prCommit(1, sha(11), '05-27T15:00'),
    prCommit(1, sha(12), '05-29T15:00'),
    prCommit(2, sha(13), '06-29T08:00'),
  ],
} satisfies Record<string, RawRecord[]>;

const at = (time: string | undefined) => (time ? t(`${iso(time)}Z`) : null);

/** The expected fct_deployments row of deployment `n`; the rest is what the model works out. */
function deploymentRow(
  n: number,
  worked: {
    committed?: string;
    pr?: number;
    changeStarted?: string;
    leadTime?: number;
    restored?: string;
    timeToRestore?: number;
  } = {},
) {
  const d = DEPLOYS.find((x) => x.n === n) as Deploy;
  const e = ENVIRONMENTS[d.env];
  const status = d.outcome?.[1] ?? null;
  return {
    deployment_uuid: `{dep-${n}}`,
    workspace_uuid: WS,
    repository_uuid: REPO,
    environment_uuid: e.uuid,
    environment_name: e.name,
    environment_type: e.type,
    deployer_uuid: d.deployer.uuid,
    state: d.outcome ? 'COMPLETED' : 'IN_PROGRESS',
    status,
    started_on: at(d.started),
    completed_on: at(d.outcome?.[0]),
    commit_hash: d.hash,
    committed_at: at(worked.committed),
    pr_key: worked.pr === undefined ? null : `${REPO}:${worked.pr}`,
    change_started_at: at(worked.changeStarted),
    is_successful: status === 'SUCCESSFUL',
    is_failure: status === 'FAILED',
    lead_time_hours: worked.leadTime ?? null,
    restored_on: at(worked.restored),
    time_to_restore_hours: worked.timeToRestore ?? null,
  };
}

const FCT_DEPLOYMENTS = [
  deploymentRow(1, { committed: '05-30T10:00', pr: 1, changeStarted: '05-27T15:00', leadTime: 105.17 }),
  deploymentRow(2, { committed: '06-03T08:00', changeStarted: '06-03T08:00', leadTime: 2.33 }),
  deploymentRow(3, { committed: '06-03T11:00', changeStarted: '06-03T11:00', leadTime: 1.25 }),
  deploymentRow(4, {
    committed: '06-10T09:00',
    changeStarted: '06-10T09:00',
    restored: '06-10T13:30',
    timeToRestore: 3,
  }),
  deploymentRow(5, { committed: '06-10T11:00', changeStarted: '06-10T11:00', leadTime: 2.5 }),
  deploymentRow(6, { committed: '06-03T08:00', changeStarted: '06-03T08:00' }),
  deploymentRow(7, { committed: '06-14T10:00', changeStarted: '06-14T10:00' }),
  deploymentRow(8),
  deploymentRow(9, {
    committed: '06-25T08:00',
    changeStarted: '06-25T08:00',
    restored: '07-02T10:30',
    timeToRestore: 169.3,
  }),
  deploymentRow(11, { pr: 2, changeStarted: '06-28T12:00', leadTime: 94.5 }),
  deploymentRow(12, { committed: '07-05T09:00', changeStarted: '07-05T09:00' }),
  deploymentRow(13, { committed: '07-05T09:00', changeStarted: '07-05T09:00' }),
  deploymentRow(21, { committed: '06-03T11:00', changeStarted: '06-03T11:00', leadTime: 0.68 }),
  deploymentRow(22, {
    committed: '06-10T09:00',
    changeStarted: '06-10T09:00',
    restored: '06-11T08:30',
    timeToRestore: 22.75,
  }),
  deploymentRow(23, { committed: '06-10T11:00', changeStarted: '06-10T11:00', leadTime: 21.5 }),
];

const FCT_DORA_MONTHLY = [
  {
    month_start: '2024-06-01',
    workspace_uuid: WS,
    environment_type: 'Production',
    deployments: 9, // n 1–9
    successful_deployments: 6, // n 1, 2, 3, 5, 6, 8
    failed_deployments: 2, // n 4, 9
    finished_deployments: 9, // the stopped n 7 too
    deployment_days: 5, // 1, 3, 10, 12 and 20 June
    deployment_frequency_per_week: 1.17, // 5 × 7 / 30
    median_lead_time_hours: 2.42, // of 1 h 15, 2 h 20, 2 h 30, 105 h 10: 2 h 25
    change_failure_rate: 0.2222, // 2 / 9
    median_time_to_restore_hours: 86.15, // of 3 h and 169 h 18: 86 h 09
  },
  {
    month_start: '2024-06-01',
    workspace_uuid: WS,
    environment_type: 'Staging',
    deployments: 3,
    successful_deployments: 2,
    failed_deployments: 1,
    finished_deployments: 3,
    deployment_days: 2,
    deployment_frequency_per_week: 0.47, // 2 × 7 / 30
    median_lead_time_hours: 11.09, // of 40 min 30 s and 21 h 30: 11 h 05 min 15 s
    change_failure_rate: 0.3333,
    median_time_to_restore_hours: 22.75,
  },
  {
    month_start: '2024-07-01',
    workspace_uuid: WS,
    environment_type: 'Production',
    deployments: 3, // n 11, 12 and the running 13
    successful_deployments: 1,
    failed_deployments: 1,
    finished_deployments: 2,
    deployment_days: 1,
    deployment_frequency_per_week: 0.23, // 1 × 7 / 31
    median_lead_time_hours: 94.5,
    change_failure_rate: 0.5,
    median_time_to_restore_hours: null, // n 12 is not restored yet
  },
];

describeEachDialect('the DORA models', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 180_000 });
  let project: Project;
  /** The columns a mart's .yml documents, in order. */
  const documentedColumns = (model: string) => project.models.get(model)?.doc?.columns.map((c) => c.name);

  beforeAll(async () => {
    project = loadProject(SQL_DIR);
    await loadDataset(fx.db, DATASET, '2024-07-06T00:00:00.000000Z');
    // n 10 is gone from the next listing
    await markDeleted(fx.db, {
      stream: 'deployments',
      connectionId: 'c1',
      parentKey: REPO,
      keep: DEPLOYS.filter((d) => d.n !== 10).map((d) => `{dep-${d.n}}`),
      runId: 'run-c1b',
      at: '2024-07-07T00:00:00.000000Z',
    });
    // the marts' yml data tests run too, over this data
    const { models, tests } = await runProject(fx.db, project, {
      select: ['+fct_deployments', '+fct_dora_monthly', '+dim_repositories'],
    });
    expect(models.filter((r) => r.status !== 'success')).toEqual([]);
    expect(tests.filter((r) => r.status !== 'pass')).toEqual([]);
  }, 180_000);

  it('fct_deployments: one row per deployment, with its lead time and time to restore', async () => {
    const columns = documentedColumns('fct_deployments');
    const rows = plain(await fx.db.query(`select * from ${fx.db.table('marts', 'fct_deployments')}`));
    expect(rows.map((r) => Object.keys(r))).toEqual(rows.map(() => columns));
    expect(sortRows(rows, ['deployment_uuid'])).toEqual(sortRows(FCT_DEPLOYMENTS, ['deployment_uuid']));
  });

  it('fct_dora_monthly: the four keys per month, workspace and environment type', async () => {
    const columns = documentedColumns('fct_dora_monthly');
    const mart = fx.db.table('marts', 'fct_dora_monthly');
    const all = await fx.db.query(`select * from ${mart}`);
    expect(all.map((r) => Object.keys(r))).toEqual(all.map(() => columns));
    const rows = await fx.db.query(
      `select ${columns?.map((c) => (c === 'month_start' ? `${asText(fx.db, c)} as ${c}` : c)).join(', ')}
       from ${mart}
       order by month_start, environment_type`,
    );
    expect(rows).toEqual(FCT_DORA_MONTHLY);
  });
});
