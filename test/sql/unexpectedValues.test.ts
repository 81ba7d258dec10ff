// Values the marts did not expect (issue 15), as real Bitbucket answers carry them: pipeline stages
// PAUSED and HALTED, an invented stage (FROZEN), result and state; EXPIRED; pipelines without
// trigger, creator or build_seconds_used; deployments whose environment has a name but no uuid,
// has a name no environment has, or is missing, with an invented state and status; merged and
// declined pull requests whose activity could not be read, and an invented pull request state.
// On each dialect the run succeeds, the marts keep and count every row as the glossary says, and
// each unexpected value is a warning listed with its rows, in the outcome and in the ledger.
import { beforeAll, expect, it } from 'vitest';
import { runTransformProject, type TransformOutcome } from '../../transforms/service';
import { sampleCells, type TestResult } from '../../transforms/testRun';
import { markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import { listTransformRun } from '../../warehouse/transformLedger';
import type { Filters } from '../../web/dashboard/filters';
import { MartReader } from '../../web/dashboard/marts';
import { loadPipelines } from '../../web/dashboard/pipelines';
import { summarizeTransformRun } from '../../web/status/transformSummary';
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
  sortRows,
  t,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';

type Json = Record<string, unknown>;
/** `06-01T10:00` → a pipeline or deployment time as the API writes it: `2024-06-01T10:00:00.000Z`. */
const z = (at: string) => `2024-${at}:00.000Z`;
const sha = (digit: number) => digit.toString(16).repeat(40);

// ---- pipelines

const inProgress = (stage: string) => ({
  name: 'IN_PROGRESS',
  type: 'pipeline_state_in_progress',
  stage: { name: stage, type: `pipeline_state_in_progress_${stage.toLowerCase()}` },
});
const completed = (result: string) => ({
  name: 'COMPLETED',
  type: 'pipeline_state_completed',
  result: { name: result, type: `pipeline_state_completed_${result.toLowerCase()}` },
});

interface Run {
  n: number;
  state: Json;
  createdOn: string;
  /** Absent: Bitbucket sent no trigger. */
  trigger?: string;
  creator?: Account;
  /** Absent: Bitbucket sent no build_seconds_used. */
  buildSeconds?: number;
  durationSeconds?: number;
}

const pipelineRecord = (r: Run) => ({
  key: `{pipe-${r.n}}`,
  parentKey: REPO,
  updatedOn: z(r.createdOn),
  payload: {
    type: 'pipeline',
    uuid: `{pipe-${r.n}}`,
    build_number: r.n,
    target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main', commit: { hash: 'beef' } },
    state: r.state,
    created_on: z(r.createdOn),
    ...(r.trigger
      ? { trigger: { name: r.trigger, type: `pipeline_trigger_${r.trigger.toLowerCase()}` } }
      : {}),
    ...(r.creator ? { creator: r.creator } : {}),
    ...(r.buildSeconds === undefined ? {} : { build_seconds_used: r.buildSeconds }),
    ...(r.durationSeconds === undefined ? {} : { duration_in_seconds: r.durationSeconds }),
  },
});

const RUNS: Run[] = [
  // in progress, whatever the stage: runs, no minutes
  {
    n: 1,
    state: inProgress('PAUSED'),
    createdOn: '06-01T10:00',
    trigger: 'MANUAL',
    creator: ADA,
    buildSeconds: 30,
  },
  {
    n: 2,
    state: inProgress('HALTED'),
    createdOn: '06-01T11:00',
    trigger: 'PUSH',
    creator: ADA,
    buildSeconds: 5,
  },
  { n: 3, state: inProgress('FROZEN'), createdOn: '06-01T12:00', trigger: 'PUSH', creator: ADA },
  // completed, neither successful nor failed: runs and minutes
  {
    n: 4,
    state: completed('EXPIRED'),
    createdOn: '06-01T13:00',
    trigger: 'PUSH',
    creator: ADA,
    buildSeconds: 60,
    durationSeconds: 120,
  },
  {
    n: 5,
    state: completed('EVAPORATED'),
    createdOn: '06-01T14:00',
    trigger: 'PUSH',
    creator: ADA,
    buildSeconds: 90,
    durationSeconds: 90,
  },
  // no trigger, no creator; pipe-6 reports no build seconds: only pipe-7's 120 count
  { n: 6, state: completed('SUCCESSFUL'), createdOn: '06-02T01:00', durationSeconds: 60 },
  { n: 7, state: completed('SUCCESSFUL'), createdOn: '06-02T02:00', buildSeconds: 120 },
  // completed without build seconds: its minutes are unknown, not 0
  {
    n: 8,
    state: completed('FAILED'),
    createdOn: '06-02T03:00',
    trigger: 'PUSH',
    creator: ADA,
    durationSeconds: 30,
  },
  // a state nobody knows: a run, no minutes
  {
    n: 9,
    state: { name: 'HIBERNATING', type: 'pipeline_state_hibernating' },
    createdOn: '06-02T04:00',
    trigger: 'PUSH',
    creator: ADA,
    buildSeconds: 10,
  },
];

// ---- deployments

const ENVIRONMENTS = [
  ['{env-prod}', 'Production', 'Production'],
  ['{env-stg}', 'Staging', 'Staging'],
  // deleted, and named as the current Production: a deployment naming "Production" is the current one's
  ['{env-prod-old}', 'Production', 'Production'],
].map(([uuid, name, type]) => ({
  key: uuid as string,
  parentKey: REPO,
  payload: {
    type: 'deployment_environment',
    uuid,
    name,
    slug: name?.toLowerCase(),
    environment_type: { type: 'deployment_environment_type', name: type },
  },
}));

const PROD = {
  type: 'deployment_environment',
  uuid: '{env-prod}',
  name: 'Production',
  environment_type: { name: 'Production' },
};
const BY_NAME = { type: 'deployment_environment', name: 'Production' };
const NOWHERE = { type: 'deployment_environment', name: 'Mars' };
const ABSENT = null;

interface Deploy {
  n: number;
  environment: Json | null;
  state: string;
  status?: string;
  started?: string;
  completed?: string;
  hash: string;
  deployer?: Account;
}

/** The shared builder's deployment (release, step) with this state and environment, each field only when sent. */
function deploymentRecord(d: Deploy) {
  const base = deployment(d.n, BOT, '', d.hash);
  const state: Json = {
    type: `deployment_state_${d.state.toLowerCase()}`,
    name: d.state,
    ...(d.deployer ? { deployer: d.deployer } : {}),
    ...(d.status
      ? { status: { type: `deployment_state_completed_status_${d.status.toLowerCase()}`, name: d.status } }
      : {}),
    ...(d.started ? { start_date: z(d.started) } : {}),
    ...(d.completed ? { completion_date: z(d.completed) } : {}),
  };
  const { environment: _sent, ...rest } = base.payload;
  const payload = { ...rest, state, ...(d.environment ? { environment: d.environment } : {}) };
  return { ...base, updatedOn: z(d.completed ?? d.started ?? '06-01T00:00'), payload };
}

const DEPLOYS: Deploy[] = [
  // named without uuid: Production's; lead time 08:00 → 10:20
  {
    n: 1,
    environment: BY_NAME,
    state: 'COMPLETED',
    status: 'SUCCESSFUL',
    started: '06-03T10:00',
    completed: '06-03T10:20',
    hash: sha(1),
    deployer: BOT,
  },
  // no environment at all: kept, a failure, never restored
  {
    n: 2,
    environment: ABSENT,
    state: 'COMPLETED',
    status: 'FAILED',
    started: '06-04T10:00',
    completed: '06-04T10:05',
    hash: sha(4),
    deployer: BOT,
  },
  // a status nobody knows: finished, neither success nor failure
  {
    n: 3,
    environment: PROD,
    state: 'COMPLETED',
    status: 'EXPLODED',
    started: '06-05T10:00',
    completed: '06-05T10:10',
    hash: sha(5),
    deployer: BOT,
  },
  // a state nobody knows: not finished
  { n: 4, environment: PROD, state: 'AWAITING', started: '06-06T10:00', hash: sha(6), deployer: ADA },
  // failed, restored by n 6, which names Production without its uuid: 10:10 → 11:30
  {
    n: 5,
    environment: PROD,
    state: 'COMPLETED',
    status: 'FAILED',
    started: '06-07T10:00',
    completed: '06-07T10:10',
    hash: sha(7),
    deployer: BOT,
  },
  {
    n: 6,
    environment: BY_NAME,
    state: 'COMPLETED',
    status: 'SUCCESSFUL',
    started: '06-07T11:00',
    completed: '06-07T11:30',
    hash: sha(2),
    deployer: BOT,
  },
  // successful without an environment: no lead time
  {
    n: 7,
    environment: ABSENT,
    state: 'COMPLETED',
    status: 'SUCCESSFUL',
    started: '06-08T10:00',
    completed: '06-08T10:30',
    hash: sha(3),
    deployer: BOT,
  },
  // never ran: no dates, no deployer (in fct_deployments, in no month of fct_dora_monthly)
  { n: 8, environment: PROD, state: 'UNDEPLOYED', hash: sha(8) },
  // named without uuid, a name the repository's environments do not have
  {
    n: 9,
    environment: NOWHERE,
    state: 'COMPLETED',
    status: 'SUCCESSFUL',
    started: '06-09T10:00',
    completed: '06-09T10:30',
    hash: sha(9),
    deployer: BOT,
  },
];

const commit = (hash: string, at: string) => ({
  key: `${REPO}:${hash}`,
  parentKey: REPO,
  updatedOn: z(at),
  payload: commitPayload(hash, z(at), 'Ada <ada@example.com>', ADA),
});

// ---- pull requests: Bitbucket's object has no merge time (no closed_on here); activity only for PR 2

const pullrequest = (id: number, state: string, createdOn: string, updatedOn: string) => ({
  key: `${REPO}:${id}`,
  parentKey: REPO,
  updatedOn: z(updatedOn),
  payload: {
    ...prLink(id),
    state,
    author: ADA,
    source: endpoint(`feature/${id}`, 'f00d'),
    destination: endpoint('main', 'beef'),
    created_on: z(createdOn),
    updated_on: z(updatedOn),
  },
});
const mergedUpdate = (id: number, at: string) => ({
  key: `${REPO}:${id}:update:${at}`,
  parentKey: `${REPO}:${id}`,
  updatedOn: z(at),
  payload: { update: { state: 'MERGED', author: ADA, date: z(at) }, pull_request: prLink(id) },
});

const DATASET = {
  repositories: [repositoryRecord(REPO, WS, 'api')],
  environments: ENVIRONMENTS,
  pipelines: RUNS.map(pipelineRecord),
  deployments: DEPLOYS.map(deploymentRecord),
  commits: [commit(sha(1), '06-03T08:00'), commit(sha(2), '06-07T09:00'), commit(sha(3), '06-08T08:00')],
  pullrequests: [
    // merged; its activity list answered 404: no activity rows
    pullrequest(1, 'MERGED', '06-10T09:00', '06-10T12:00'),
    // merged at 10:00 by its activity; updated later by a comment
    pullrequest(2, 'MERGED', '06-11T08:00', '06-12T08:00'),
    pullrequest(3, 'DECLINED', '06-11T09:00', '06-11T15:00'),
    pullrequest(4, 'OPEN', '06-12T09:00', '06-12T10:00'),
    pullrequest(5, 'QUEUED', '06-12T09:00', '06-12T11:00'),
  ],
  pr_activity: [mergedUpdate(2, '06-11T10:00')],
} satisfies Record<string, RawRecord[]>;

/** The warnings the run must list: test → [a column of the offending rows, its values]. */
const WARNINGS: Record<string, [string, string[]]> = {
  'stg_pipelines.state_name.accepted_values': ['state_name', ['HIBERNATING']],
  'stg_pipelines.state_stage.accepted_values': ['state_stage', ['FROZEN']],
  'stg_pipelines.result_name.accepted_values': ['result_name', ['EVAPORATED']],
  'fct_pipeline_usage_daily.trigger_name.not_null': ['result', ['SUCCESSFUL']],
  'fct_pipeline_usage_daily.result.accepted_values': ['result', ['EVAPORATED', 'HIBERNATING']],
  'stg_deployments.state_name.accepted_values': ['state_name', ['AWAITING']],
  'stg_deployments.status_name.accepted_values': ['status_name', ['EXPLODED']],
  'fct_deployments.environment_uuid.not_null': ['deployment_uuid', ['{dep-2}', '{dep-7}', '{dep-9}']],
  'fct_deployments.state.accepted_values': ['state', ['AWAITING']],
  'fct_deployments.status.accepted_values': ['status', ['EXPLODED']],
  'stg_pullrequests.state.accepted_values': ['state', ['QUEUED']],
  'fct_pull_requests.state.accepted_values': ['state', ['QUEUED']],
};

const SELECTION = [
  '+fct_pipeline_usage_daily',
  '+fct_dora_monthly',
  '+fct_pull_requests',
  '+int_source_events',
  '+dim_repositories',
];

describeEachDialect('values the marts did not expect', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });
  let outcome: TransformOutcome;

  const mart = async (name: string, columns: string[]) =>
    plain(
      await fx.db.query(
        `select ${columns.map((c) => (c.endsWith('_date') || c === 'month_start' ? `${asText(fx.db, c)} as ${c}` : c)).join(', ')}
         from ${fx.db.table('marts', name)}`,
      ),
    );

  beforeAll(async () => {
    await loadDataset(fx.db, DATASET, '2024-06-20T00:00:00.000000Z');
    await markDeleted(fx.db, {
      stream: 'environments',
      connectionId: 'c1',
      parentKey: REPO,
      keep: ['{env-prod}', '{env-stg}'],
      runId: 'run-2',
      at: '2024-06-21T00:00:00.000000Z',
    });
    outcome = await runTransformProject(fx.db, {
      select: SELECTION,
      trigger: 'test',
      runId: `odd-${fx.wh.name}`,
    });
  }, 300_000);

  it('succeeds: every model built, no test failed, each unexpected value a warning with its rows', async () => {
    const { models, tests } = outcome.results;
    expect(models.filter((m) => m.status !== 'success').map((m) => [m.name, m.status, m.error])).toEqual([]);
    expect(
      tests.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'skipped'),
    ).toEqual([]);
    expect(outcome.ok).toBe(true);

    const warned = tests.filter((r) => r.status === 'warn');
    expect(warned.map((r) => r.name).sort()).toEqual(Object.keys(WARNINGS).sort());
    const cellsOf = (r: TestResult, column: string) => {
      const { columns, rows } = sampleCells(r.sample);
      return rows.map((row) => row[columns.indexOf(column)] as string).sort();
    };
    for (const r of warned) {
      const [column, values] = WARNINGS[r.name] as [string, string[]];
      expect(r.severity, r.name).toBe('warn');
      expect(r.failures, r.name).toBe(values.length);
      expect(cellsOf(r, column), r.name).toEqual(values);
      expect(r.error, r.name).toMatch(new RegExp(`^${values.length} offending rows?:\\n {2}`));
    }

    // the ledger keeps each warning with its count and rows: what the status page shows
    const ledger = await listTransformRun(fx.db, outcome.runId);
    const summary = summarizeTransformRun(ledger);
    expect(summary).toMatchObject({ failed: false, problems: [] });
    expect(summary?.warnings.map((n) => n.node).sort()).toEqual(Object.keys(WARNINGS).sort());
    const stage = ledger.find((n) => n.node === 'stg_pipelines.state_stage.accepted_values');
    expect(stage).toMatchObject({
      status: 'warn',
      rowCount: 1,
      sample: { columns: ['state_stage', 'n_records'], rows: [['FROZEN', '1']] },
    });
  });

  it('stg_pipelines keeps stages, results and states as sent, and absent fields as nulls', async () => {
    const rows = plain(
      await fx.db.query(
        `select record_key, trigger_name, creator_uuid, state_name, state_stage, result_name, build_seconds_used
         from ${fx.db.table('staging', 'stg_pipelines')}`,
      ),
    );
    const row = (
      n: number,
      trigger: string | null,
      state: string,
      stage: string | null,
      result: string | null,
      seconds: number | null,
    ) => ({
      record_key: `{pipe-${n}}`,
      trigger_name: trigger,
      creator_uuid: trigger ? ADA.uuid : null,
      state_name: state,
      state_stage: stage,
      result_name: result,
      build_seconds_used: seconds,
    });
    expect(sortRows(rows, ['record_key'])).toEqual([
      row(1, 'MANUAL', 'IN_PROGRESS', 'PAUSED', null, 30),
      row(2, 'PUSH', 'IN_PROGRESS', 'HALTED', null, 5),
      row(3, 'PUSH', 'IN_PROGRESS', 'FROZEN', null, null),
      row(4, 'PUSH', 'COMPLETED', null, 'EXPIRED', 60),
      row(5, 'PUSH', 'COMPLETED', null, 'EVAPORATED', 90),
      row(6, null, 'COMPLETED', null, 'SUCCESSFUL', null),
      row(7, null, 'COMPLETED', null, 'SUCCESSFUL', 120),
      row(8, 'PUSH', 'COMPLETED', null, 'FAILED', null),
      row(9, 'PUSH', 'HIBERNATING', null, null, 10),
    ]);
  });

  it('fct_pipeline_usage_daily: every run counted under its own result; minutes of completed runs that report them', async () => {
    const columns = [
      'run_date',
      'trigger_name',
      'result',
      'creator_uuid',
      'runs',
      'build_minutes',
      'duration_minutes',
    ];
    const usage = (
      day: string,
      trigger: string | null,
      result: string,
      runs: number,
      build: number | null,
      duration: number | null,
    ) => ({
      run_date: `2024-${day}`,
      trigger_name: trigger,
      result,
      creator_uuid: trigger ? ADA.uuid : null,
      runs,
      build_minutes: build,
      duration_minutes: duration,
    });
    expect(
      sortRows(await mart('fct_pipeline_usage_daily', columns), ['run_date', 'trigger_name', 'result']),
    ).toEqual([
      usage('06-01', 'MANUAL', 'IN_PROGRESS', 1, null, null), // PAUSED
      usage('06-01', 'PUSH', 'EVAPORATED', 1, 1.5, 1.5),
      usage('06-01', 'PUSH', 'EXPIRED', 1, 1, 2),
      usage('06-01', 'PUSH', 'IN_PROGRESS', 2, null, null), // HALTED and FROZEN
      usage('06-02', 'PUSH', 'FAILED', 1, null, 0.5),
      usage('06-02', 'PUSH', 'HIBERNATING', 1, null, null),
      usage('06-02', null, 'SUCCESSFUL', 2, 2, 1),
    ]);
  });

  it("the dashboard's pipeline page: runs without a trigger under a label of their own; only FAILED and ERROR are failed", async () => {
    const filters = { workspace: { uuid: WS, key: 'acme' }, from: '2024-06-01', to: '2024-06-30' } as Filters;
    const page = await loadPipelines(new MartReader(fx.db), filters);
    const row = (
      trigger: string,
      runs: number,
      successful: number,
      failed: number,
      build: number,
      duration: number,
    ) => ({
      repository: 'api',
      trigger_name: trigger,
      runs,
      successful,
      failed,
      build_minutes: build,
      duration_minutes: duration,
    });
    expect(sortRows(page.sections[0]?.table?.rows ?? [], ['trigger_name'])).toEqual([
      row('MANUAL', 1, 0, 0, 0, 0),
      // EXPIRED, EVAPORATED and HIBERNATING are neither; pipe-8's minutes are unknown
      row('PUSH', 6, 0, 1, 2.5, 4),
      row('no trigger', 2, 2, 0, 2, 1),
    ]);
  });

  it('fct_deployments: matches an environment named without uuid by name, keeps the others without one, states and statuses as sent', async () => {
    const columns = [
      'deployment_uuid',
      'environment_uuid',
      'environment_name',
      'environment_type',
      'state',
      'status',
      'is_successful',
      'is_failure',
      'lead_time_hours',
      'restored_on',
      'time_to_restore_hours',
    ];
    const row = (
      n: number,
      env: [string | null, string | null, string | null],
      state: string,
      status: string | null,
      worked: Json = {},
    ) => ({
      deployment_uuid: `{dep-${n}}`,
      environment_uuid: env[0],
      environment_name: env[1],
      environment_type: env[2],
      state,
      status,
      is_successful: status === 'SUCCESSFUL',
      is_failure: status === 'FAILED',
      lead_time_hours: null,
      restored_on: null,
      time_to_restore_hours: null,
      ...worked,
    });
    const prod: [string, string, string] = ['{env-prod}', 'Production', 'Production'];
    expect(sortRows(await mart('fct_deployments', columns), ['deployment_uuid'])).toEqual([
      row(1, prod, 'COMPLETED', 'SUCCESSFUL', { lead_time_hours: 2.33 }),
      row(2, [null, null, null], 'COMPLETED', 'FAILED'),
      row(3, prod, 'COMPLETED', 'EXPLODED'),
      row(4, prod, 'AWAITING', null),
      row(5, prod, 'COMPLETED', 'FAILED', {
        restored_on: t('2024-06-07T11:30:00Z'),
        time_to_restore_hours: 1.33,
      }),
      row(6, prod, 'COMPLETED', 'SUCCESSFUL', { lead_time_hours: 2.5 }),
      row(7, [null, null, null], 'COMPLETED', 'SUCCESSFUL'),
      row(8, prod, 'UNDEPLOYED', null),
      row(9, [null, 'Mars', null], 'COMPLETED', 'SUCCESSFUL'),
    ]);
  });

  it('fct_dora_monthly: unknown statuses finished but neither success nor failure, unknown states not finished, no environment a row of its own', async () => {
    const columns = [
      'month_start',
      'environment_type',
      'deployments',
      'successful_deployments',
      'failed_deployments',
      'finished_deployments',
      'deployment_days',
      'median_lead_time_hours',
      'change_failure_rate',
      'median_time_to_restore_hours',
    ];
    expect(sortRows(await mart('fct_dora_monthly', columns), ['environment_type'])).toEqual([
      {
        month_start: '2024-06-01',
        environment_type: 'Production',
        deployments: 5, // n 1, 3, 4, 5, 6 (n 8 has no date)
        successful_deployments: 2, // n 1, 6
        failed_deployments: 1, // n 5
        finished_deployments: 4, // n 1, 3 (EXPLODED), 5, 6; not n 4 (AWAITING)
        deployment_days: 2,
        median_lead_time_hours: 2.42, // of 2 h 20 and 2 h 30
        change_failure_rate: 0.25,
        median_time_to_restore_hours: 1.33,
      },
      {
        month_start: '2024-06-01',
        environment_type: null,
        deployments: 3, // n 2, 7, 9
        successful_deployments: 2,
        failed_deployments: 1,
        finished_deployments: 3,
        deployment_days: 2,
        median_lead_time_hours: null,
        change_failure_rate: 0.3333,
        median_time_to_restore_hours: null,
      },
    ]);
  });

  it('fct_pull_requests: without its activity a merged or declined pull request closes at its updated_on, flagged; an unknown state stays open-ended', async () => {
    const columns = ['pr_key', 'state', 'merged_at', 'closed_at', 'closed_at_source', 'cycle_hours'];
    const row = (
      id: number,
      state: string,
      merged: string | null,
      closed: string | null,
      source: string | null,
      cycle: number | null,
    ) => ({
      pr_key: `${REPO}:${id}`,
      state,
      merged_at: merged && t(z(merged)),
      closed_at: closed && t(z(closed)),
      closed_at_source: source,
      cycle_hours: cycle,
    });
    expect(sortRows(await mart('fct_pull_requests', columns), ['pr_key'])).toEqual([
      row(1, 'MERGED', '06-10T12:00', '06-10T12:00', 'updated_on', 3),
      row(2, 'MERGED', '06-11T10:00', '06-11T10:00', 'activity', 2),
      row(3, 'DECLINED', null, '06-11T15:00', 'updated_on', null),
      row(4, 'OPEN', null, null, null, null),
      row(5, 'QUEUED', null, null, null, null),
    ]);
  });

  it('int_source_events: runs without a creator are no one’s action; unknown states still count as the action they are', async () => {
    const rows = await fx.db.query(
      `select feature, source_record_key from ${fx.db.table('intermediate', 'int_source_events')}
       where feature in ('pipeline_triggered', 'deployment')`,
    );
    expect(sortRows(rows, ['feature', 'source_record_key'])).toEqual([
      ...DEPLOYS.filter((d) => d.deployer).map((d) => ({
        feature: 'deployment',
        source_record_key: `{dep-${d.n}}`,
      })),
      ...RUNS.filter((r) => r.creator).map((r) => ({
        feature: 'pipeline_triggered',
        source_record_key: `{pipe-${r.n}}`,
      })),
    ]);
  });
});
