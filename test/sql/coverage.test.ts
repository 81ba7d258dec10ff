// Coverage and the configured seat price, over hand-written raw records as of 2024-08-31 (the day
// of the members listing); the data starts on 15 May 2024, the day of Ada's first commit. Workspace
// acme (WS) was backfilled from 30 June 2024 08:00 (a completed run; an older failed one does not
// count): its history is covered whole from 1 July, and its commit of 15 May is one a later run
// brought along. Ada, Grace and Ivy hold seats there from before the data; Ada and Grace are the
// backend team, which reaches project CORE (the repository's project). Beta (WS2) has no run
// recorded (loaded by hand): every day counts, as before coverage existed. Gamma has a completed
// run that read the whole history (no since) and delta only a failed one: neither has a coverage
// start. Prices: acme's own 20 EUR from 1 July; SEAT_PRICE=19 USD everywhere else.
import { beforeAll, expect, it } from 'vitest';
import { configuredTransformVars, loadConfig } from '../../temporal.config';
import { runTransformProject } from '../../transforms/service';
import { finishRun, startRun } from '../../warehouse/ledger';
import { setSeatPrice } from '../../warehouse/seatPrices';
import {
  ADA,
  account,
  asText,
  GRACE,
  loadWorkspaceLoads,
  plain,
  REPO,
  sortRows,
  type WorkspaceLoad,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';
import {
  commit,
  groupMember,
  LISTED_AT,
  membership,
  spendMonth as month,
  permission,
  REPO2,
  WS2,
  WS3,
  WS4,
  workspace,
} from './seatFixtures';

const IVY = account('{u-ivy}', 'Ivy');
const CORE = { type: 'project', key: 'CORE', uuid: '{proj-core}', name: 'core' };
const BACKEND = `${WS}:backend`;

const repository = (uuid: string, ws: string, slug: string, project?: typeof CORE) => ({
  key: uuid,
  parentKey: ws,
  payload: {
    type: 'repository',
    uuid,
    slug,
    name: slug,
    workspace: { uuid: ws },
    ...(project ? { project } : {}),
  },
});

const LOADS: WorkspaceLoad[] = [
  { ws: WS, stream: 'workspaces', records: [WS, WS2, WS3, WS4].map(workspace) },
  {
    ws: WS,
    stream: 'projects',
    records: [{ key: CORE.uuid, parentKey: WS, payload: { ...CORE, workspace: { uuid: WS } } }],
  },
  { ws: WS, stream: 'repositories', records: [repository(REPO, WS, 'api', CORE)] },
  { ws: WS2, stream: 'repositories', records: [repository(REPO2, WS2, 'web')] },
  { ws: WS, stream: 'members', records: [ADA, GRACE, IVY].map((u) => membership(WS, u)) },
  { ws: WS, stream: 'permissions', records: [ADA, GRACE, IVY].map((u) => permission(WS, u)) },
  { ws: WS2, stream: 'members', records: [membership(WS2, GRACE)] },
  { ws: WS2, stream: 'permissions', records: [permission(WS2, GRACE)] },
  { ws: WS, stream: 'group_members', records: [ADA, GRACE].map((u) => groupMember('backend', 'Backend', u)) },
  {
    ws: WS,
    stream: 'project_group_permissions',
    records: [
      {
        key: `${CORE.uuid}:backend`,
        parentKey: CORE.uuid,
        updatedOn: LISTED_AT,
        payload: {
          type: 'project_group_permission',
          permission: 'write',
          group: { name: 'Backend', slug: 'backend', full_slug: 'acme:backend' },
          project: CORE,
        },
      },
    ],
  },
  {
    ws: WS,
    stream: 'commits',
    records: [
      commit(REPO, 'a1', '2024-05-15T09:00:00+00:00', ADA),
      commit(REPO, 'a2', '2024-07-10T09:00:00+00:00', GRACE),
      commit(REPO, 'a3', '2024-08-20T09:00:00+00:00', ADA),
    ],
  },
  { ws: WS2, stream: 'commits', records: [commit(REPO2, 'b1', '2024-06-05T09:00:00+00:00', GRACE)] },
];

const RUNS = [
  // acme: the backfill (its first whole day is 1 July), then an incremental sync
  {
    runId: 'backfill-acme',
    kind: 'backfill',
    workspace: 'acme',
    since: '2024-06-30T08:00:00Z',
    status: 'completed',
  },
  {
    runId: 'sync-acme',
    kind: 'incremental',
    workspace: 'acme',
    since: '2024-08-25T00:00:00Z',
    status: 'completed',
  },
  {
    runId: 'failed-acme',
    kind: 'backfill',
    workspace: 'acme',
    since: '2024-01-01T00:00:00Z',
    status: 'failed',
  },
  // gamma: one completed run read the whole history
  {
    runId: 'backfill-gamma',
    kind: 'backfill',
    workspace: 'gamma',
    since: '2024-06-01T00:00:00Z',
    status: 'completed',
  },
  { runId: 'first-gamma', kind: 'incremental', workspace: 'gamma', status: 'completed' },
  {
    runId: 'failed-delta',
    kind: 'backfill',
    workspace: 'delta',
    since: '2024-06-01T00:00:00Z',
    status: 'failed',
  },
] as const;

const BUILT = [
  'fct_seat_utilization_daily',
  'fct_team_utilization_daily',
  'fct_project_utilization_daily',
  'fct_feature_adoption',
  'fct_team_seat_spend_monthly',
  'dim_users',
  'dim_workspaces',
].map((model) => `+${model}`);

describeEachDialect('coverage of the extracted history, and the configured seat price', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });
  const mart = (name: string) => fx.db.table('marts', name);
  const rows = async (sql: string, keys: string[]) => sortRows(plain(await fx.db.query(sql)), keys);

  beforeAll(async () => {
    await loadWorkspaceLoads(fx.db, LOADS, LISTED_AT, 'by-hand');
    for (const run of RUNS) {
      await startRun(fx.db, {
        runId: run.runId,
        connectionId: 'c1',
        kind: run.kind,
        workspace: run.workspace,
        windowSince: 'since' in run ? run.since : undefined,
        windowUntil: LISTED_AT,
      });
      await finishRun(fx.db, { runId: run.runId, status: run.status });
    }
    await setSeatPrice(fx.db, {
      workspace: 'acme',
      amount: '20',
      currency: 'EUR',
      effectiveFrom: '2024-07-01',
    });
    // the configured default reaches the models as the worker's and the CLI's runs pass it
    const outcome = await runTransformProject(fx.db, {
      trigger: 'test',
      select: BUILT,
      vars: configuredTransformVars(loadConfig({ SEAT_PRICE: '19 usd' }).transforms),
    });
    expect(outcome.results.models.filter((r) => r.status !== 'success')).toEqual([]);
    // (the models' own tests; a custom test may read a model outside the selection)
    const failed = outcome.results.tests.filter(
      (t) => t.model && (t.status === 'fail' || t.status === 'error'),
    );
    expect(failed).toEqual([]);
  }, 300_000);
  it('dim_workspaces: coverage starts on the first whole day of the earliest completed run', async () => {
    expect(
      await rows(
        `select workspace_uuid, ${asText(fx.db, 'coverage_start_date')} as coverage_start_date, seats
         from ${mart('dim_workspaces')}`,
        ['workspace_uuid'],
      ),
    ).toEqual([
      { workspace_uuid: WS, coverage_start_date: '2024-07-01', seats: 3 },
      // no run recorded, a run that read everything, only a failed run: every day counts
      { workspace_uuid: WS2, coverage_start_date: null, seats: 1 },
      { workspace_uuid: WS3, coverage_start_date: null, seats: 0 },
      { workspace_uuid: WS4, coverage_start_date: null, seats: 0 },
    ]);
  });

  it('fct_seat_utilization_daily: activity null before coverage and while a window reaches before it; seats on every day', async () => {
    const found = await rows(
      `select ${asText(fx.db, 'date_day')} as date_day, workspace_uuid, seats, active_users_1d,
              active_users_7d, active_users_30d, active_users_90d, active_seats_30d, idle_seats_30d,
              seat_utilization_30d, seats_in_several_workspaces
       from ${mart('fct_seat_utilization_daily')}
       where ${asText(fx.db, 'date_day')} in ('2024-06-15', '2024-07-01', '2024-07-10', '2024-07-30', '2024-08-31')`,
      ['workspace_uuid', 'date_day'],
    );
    const day = (
      date_day: string,
      workspace_uuid: string,
      seats: number,
      [a1, a7, a30, a90, active, idle, utilization]: Array<number | null>,
    ) => ({
      date_day,
      workspace_uuid,
      seats,
      active_users_1d: a1,
      active_users_7d: a7,
      active_users_30d: a30,
      active_users_90d: a90,
      active_seats_30d: active,
      idle_seats_30d: idle,
      seat_utilization_30d: utilization,
      seats_in_several_workspaces: 1,
    });
    expect(found).toEqual([
      // before coverage: Ada's commit of 15 May would make her active in the last 90 days, and
      // everyone else idle: none of it is known
      day('2024-06-15', WS, 3, [null, null, null, null, null, null, null]),
      // the first covered day: only the day itself is whole
      day('2024-07-01', WS, 3, [0, null, null, null, null, null, null]),
      // Grace's commit: the 7 days ending today are covered, the 30 not yet
      day('2024-07-10', WS, 3, [1, 1, null, null, null, null, null]),
      // the first day whose 30 days are covered: Grace active, Ada and Ivy idle
      day('2024-07-30', WS, 3, [0, 0, 1, null, 1, 2, 0.3333]),
      // the 90 days still reach before 1 July
      day('2024-08-31', WS, 3, [0, 0, 1, null, 1, 2, 0.3333]),
      // beta has no coverage start: every day counts, as before
      day('2024-06-15', WS2, 1, [0, 0, 1, 1, 1, 0, 1]),
      day('2024-07-01', WS2, 1, [0, 0, 1, 1, 1, 0, 1]),
      day('2024-07-10', WS2, 1, [0, 0, 0, 1, 0, 1, 0]),
      day('2024-07-30', WS2, 1, [0, 0, 0, 1, 0, 1, 0]),
      day('2024-08-31', WS2, 1, [0, 0, 0, 1, 0, 1, 0]),
    ]);
  });

  it('fct_team_utilization_daily and fct_project_utilization_daily: members, seats and access on every day, activity once covered', async () => {
    const team = await rows(
      `select ${asText(fx.db, 'date_day')} as date_day, members, seats, active_seats_30d, idle_seats_30d,
              seat_utilization_30d, active_members, events
       from ${mart('fct_team_utilization_daily')}
       where team_key = '${BACKEND}' and ${asText(fx.db, 'date_day')} in ('2024-06-15', '2024-07-10', '2024-07-30')`,
      ['date_day'],
    );
    const teamDay = (
      date_day: string,
      [active, idle, utilization, members, events]: Array<number | null>,
    ) => ({
      date_day,
      members: 2,
      seats: 2,
      active_seats_30d: active,
      idle_seats_30d: idle,
      seat_utilization_30d: utilization,
      active_members: members,
      events,
    });
    expect(team).toEqual([
      teamDay('2024-06-15', [null, null, null, null, null]),
      teamDay('2024-07-10', [null, null, null, 1, 1]),
      teamDay('2024-07-30', [1, 1, 0.5, 0, 0]),
    ]);
    const project = await rows(
      `select ${asText(fx.db, 'date_day')} as date_day, seats_with_access, active_users, active_users_30d, events
       from ${mart('fct_project_utilization_daily')}
       where project_uuid = '${CORE.uuid}' and ${asText(fx.db, 'date_day')} in ('2024-05-15', '2024-07-10', '2024-07-30')`,
      ['date_day'],
    );
    const projectDay = (date_day: string, [users, users30, events]: Array<number | null>) => ({
      date_day,
      seats_with_access: 2,
      active_users: users,
      active_users_30d: users30,
      events,
    });
    expect(project).toEqual([
      // Ada's commit before coverage is not counted as the day's activity
      projectDay('2024-05-15', [null, null, null]),
      projectDay('2024-07-10', [1, null, 1]),
      projectDay('2024-07-30', [0, 1, 0]),
    ]);
  });

  it('fct_feature_adoption: usage null in a period that starts before coverage, seats always', async () => {
    const found = await rows(
      `select period, ${asText(fx.db, 'period_start')} as period_start, workspace_uuid, active_users,
              active_seats, seats, share_of_seats
       from ${mart('fct_feature_adoption')}
       where feature = 'commit_authored'
         and ${asText(fx.db, 'period_start')} in ('2024-05-01', '2024-06-24', '2024-07-01', '2024-07-08')`,
      ['workspace_uuid', 'period', 'period_start'],
    );
    const period = (
      p: string,
      start: string,
      ws: string,
      seats: number,
      [users, active, share]: Array<number | null>,
    ) => ({
      period: p,
      period_start: start,
      workspace_uuid: ws,
      active_users: users,
      active_seats: active,
      seats,
      share_of_seats: share,
    });
    expect(found).toEqual([
      period('month', '2024-05-01', WS, 3, [null, null, null]),
      period('month', '2024-07-01', WS, 3, [1, 1, 0.3333]),
      // the week of 24 June ends in July, but starts before coverage
      period('week', '2024-06-24', WS, 3, [null, null, null]),
      period('week', '2024-07-01', WS, 3, [0, 0, 0]),
      period('week', '2024-07-08', WS, 3, [1, 1, 0.3333]),
      period('month', '2024-05-01', WS2, 1, [0, 0, 0]),
      period('month', '2024-07-01', WS2, 1, [0, 0, 0]),
      period('week', '2024-06-24', WS2, 1, [0, 0, 0]),
      period('week', '2024-07-01', WS2, 1, [0, 0, 0]),
      period('week', '2024-07-08', WS2, 1, [0, 0, 0]),
    ]);
  });

  it('fct_seat_spend_monthly: idle seats only in months covered whole; the configured price where no stored one applies', async () => {
    const found = await rows(
      `select workspace_uuid, ${asText(fx.db, 'month_start')} as month_start, paid_seats, active_seats,
              idle_seats, seat_price, currency, spend, idle_seat_spend
       from ${mart('fct_seat_spend_monthly')}`,
      ['workspace_uuid', 'month_start'],
    );
    expect(found).toEqual([
      // before acme's own price: SEAT_PRICE; from 15 May, 3 seats × 19 × 17 / 31 = 31.26
      month(WS, '2024-05-01', [3, null, null], 19, 'USD', 31.26, null),
      // June is covered only from its 30th day (the run began at 08:00): no idle seats
      month(WS, '2024-06-01', [3, null, null], 19, 'USD', 57, null),
      // acme's own price wins over SEAT_PRICE; Grace acted in July, Ada in August
      month(WS, '2024-07-01', [3, 1, 2], 20, 'EUR', 60, 40),
      month(WS, '2024-08-01', [3, 1, 2], 20, 'EUR', 60, 40),
      // beta: no price of its own nor '*', no coverage start: SEAT_PRICE, and idle seats every month
      month(WS2, '2024-05-01', [1, 0, 1], 19, 'USD', 10.42, 10.42),
      month(WS2, '2024-06-01', [1, 1, 0], 19, 'USD', 19, 0),
      month(WS2, '2024-07-01', [1, 0, 1], 19, 'USD', 19, 19),
      month(WS2, '2024-08-01', [1, 0, 1], 19, 'USD', 19, 19),
    ]);
    const team = await rows(
      `select ${asText(fx.db, 'month_start')} as month_start, paid_seats, active_seats, idle_seats, spend, idle_seat_spend
       from ${mart('fct_team_seat_spend_monthly')} where team_key = '${BACKEND}'`,
      ['month_start'],
    );
    expect(team).toEqual([
      {
        month_start: '2024-05-01',
        paid_seats: 2,
        active_seats: null,
        idle_seats: null,
        spend: 20.84,
        idle_seat_spend: null,
      },
      {
        month_start: '2024-06-01',
        paid_seats: 2,
        active_seats: null,
        idle_seats: null,
        spend: 38,
        idle_seat_spend: null,
      },
      {
        month_start: '2024-07-01',
        paid_seats: 2,
        active_seats: 1,
        idle_seats: 1,
        spend: 40,
        idle_seat_spend: 20,
      },
      {
        month_start: '2024-08-01',
        paid_seats: 2,
        active_seats: 1,
        idle_seats: 1,
        spend: 40,
        idle_seat_spend: 20,
      },
    ]);
  });

  it('dim_users: a seat never used is idle since coverage started, not since the data did', async () => {
    const found = await rows(`select workspace_uuid, user_uuid, idle_days from ${mart('dim_users')}`, [
      'workspace_uuid',
      'user_uuid',
    ]);
    expect(found).toEqual([
      { workspace_uuid: WS, user_uuid: ADA.uuid, idle_days: 11 },
      { workspace_uuid: WS, user_uuid: GRACE.uuid, idle_days: 52 },
      // 1 July to 31 August (from 15 May it would be 108)
      { workspace_uuid: WS, user_uuid: IVY.uuid, idle_days: 61 },
      { workspace_uuid: WS2, user_uuid: GRACE.uuid, idle_days: 87 },
    ]);
  });
});
