// Seat spend and reclaimable seats over hand-written raw records and dated seat prices, as of
// 2024-08-31 (the day of the members listing); the data covers June to August 2024. Workspace acme
// (WS): Ada and Grace hold seats from before the data, Ivy from 16 July and never acts, the deploy
// bot is an app user; its own price is 20 EUR and 31 EUR from 16 July (a change mid-month). In
// beta (WS2) only Grace holds a seat; it has no price of its own, and the default ('*') of 10 USD
// applies from 1 July only, so June there has no price.
import { beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { setSeatPrice } from '../../warehouse/seatPrices';
import {
  type Account,
  ADA,
  account,
  asText,
  BOT,
  GRACE,
  loadWorkspaceLoads,
  plain,
  REPO,
  repositoryRecord,
  SQL_DIR,
  sortRows,
  t,
  type WorkspaceLoad,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';
import {
  commit,
  groupMember,
  LISTED_AT,
  membership,
  permission,
  REPO2,
  spendMonth,
  WS2,
  workspace,
} from './seatFixtures';

const IVY = account('{u-ivy}', 'Ivy');

const LOADS: WorkspaceLoad[] = [
  { ws: WS, stream: 'workspaces', records: [workspace(WS), workspace(WS2)] },
  { ws: WS, stream: 'repositories', records: [repositoryRecord(REPO, WS, 'api')] },
  { ws: WS2, stream: 'repositories', records: [repositoryRecord(REPO2, WS2, 'web')] },
  { ws: WS, stream: 'members', records: [ADA, GRACE, IVY, BOT].map((u) => membership(WS, u)) },
  {
    ws: WS,
    stream: 'permissions',
    records: [
      ...[ADA, GRACE, BOT].map((u) => permission(WS, u)),
      permission(WS, IVY, '2024-07-16T09:00:00+00:00'),
    ],
  },
  { ws: WS2, stream: 'members', records: [membership(WS2, GRACE)] },
  { ws: WS2, stream: 'permissions', records: [permission(WS2, GRACE)] },
  {
    ws: WS,
    stream: 'commits',
    records: [
      commit(REPO, 'a1', '2024-06-01T09:00:00+00:00', ADA),
      commit(REPO, 'a2', '2024-06-10T09:00:00+00:00', GRACE),
      commit(REPO, 'a3', '2024-08-20T09:00:00+00:00', ADA),
    ],
  },
  { ws: WS2, stream: 'commits', records: [commit(REPO2, 'b1', '2024-07-05T09:00:00+00:00', GRACE)] },
  {
    ws: WS,
    stream: 'group_members',
    records: [
      ...[ADA, GRACE].map((u) => groupMember('backend', 'Backend', u)),
      ...[GRACE, IVY].map((u) => groupMember('frontend', 'Frontend', u)),
    ],
  },
];

const BUILT = ['fct_seat_spend_monthly', 'fct_team_seat_spend_monthly', 'fct_reclaimable_seats'].map(
  (model) => `+${model}`,
);

const month = spendMonth;

describeEachDialect('seat spend and reclaimable seats', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });
  const mart = (name: string) => fx.db.table('marts', name);

  beforeAll(async () => {
    await loadWorkspaceLoads(fx.db, LOADS, LISTED_AT);
    await setSeatPrice(fx.db, {
      workspace: 'acme',
      amount: '20',
      currency: 'EUR',
      effectiveFrom: '2024-01-01',
    });
    await setSeatPrice(fx.db, {
      workspace: 'acme',
      amount: '31',
      currency: 'eur',
      effectiveFrom: '2024-07-16',
    });
    await setSeatPrice(fx.db, {
      workspace: '*',
      amount: '10.00',
      currency: 'USD',
      effectiveFrom: '2024-07-01',
    });
    // reclaim after 45 days: Ivy (46 days) and Grace in beta (57) as well as Grace in acme (82)
    const results = await runModels(fx.db, loadProject(SQL_DIR), {
      select: BUILT,
      vars: { reclaim_after_days: 45 },
    });
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  }, 300_000);

  it('fct_seat_spend_monthly: seats, prorated spend across a price change, null where no price applies', async () => {
    const rows = await fx.db.query(
      `select workspace_uuid, ${asText(fx.db, 'month_start')} as month_start, paid_seats, active_seats,
              idle_seats, seat_price, currency, spend, idle_seat_spend
       from ${mart('fct_seat_spend_monthly')}`,
    );
    expect(sortRows(plain(rows), ['workspace_uuid', 'month_start'])).toEqual([
      // Ada and Grace both acted: 2 × 20
      month(WS, '2024-06-01', [2, 2, 0], 20, 'EUR', 40, 0),
      // nobody acted in acme; Ada and Grace 15 days at 20 and 16 at 31 (of 31 days) each, Ivy 16 days at 31:
      // 2 × (15 × 20 / 31 + 16) + 16 = 67.35
      month(WS, '2024-07-01', [3, 0, 3], 31, 'EUR', 67.35, 67.35),
      // Ada acted: 3 × 31, of which Grace and Ivy idle
      month(WS, '2024-08-01', [3, 1, 2], 31, 'EUR', 93, 62),
      // the default applies from 1 July: no price in June, so no spend
      month(WS2, '2024-06-01', [1, 0, 1], null, null, null, null),
      month(WS2, '2024-07-01', [1, 1, 0], 10, 'USD', 10, 0),
      month(WS2, '2024-08-01', [1, 0, 1], 10, 'USD', 10, 10),
    ]);
  });

  it("fct_team_seat_spend_monthly: the spend of each team's members, a person in two teams in each", async () => {
    const rows = await fx.db.query(
      `select team_key, ${asText(fx.db, 'month_start')} as month_start, paid_seats, active_seats,
              idle_seats, seat_price, currency, spend, idle_seat_spend
       from ${mart('fct_team_seat_spend_monthly')}`,
    );
    const team = (key: string, row: ReturnType<typeof month>) => {
      const { workspace_uuid, ...rest } = row;
      return { team_key: `${WS}:${key}`, ...rest };
    };
    expect(sortRows(plain(rows), ['team_key', 'month_start'])).toEqual([
      // Ada and Grace
      team('backend', month(WS, '2024-06-01', [2, 2, 0], 20, 'EUR', 40, 0)),
      team('backend', month(WS, '2024-07-01', [2, 0, 2], 31, 'EUR', 51.35, 51.35)),
      team('backend', month(WS, '2024-08-01', [2, 1, 1], 31, 'EUR', 62, 31)),
      // Grace, and Ivy from 16 July: 15 × 20 / 31 + 16 + 16 = 41.68
      team('frontend', month(WS, '2024-06-01', [1, 1, 0], 20, 'EUR', 20, 0)),
      team('frontend', month(WS, '2024-07-01', [2, 0, 2], 31, 'EUR', 41.68, 41.68)),
      team('frontend', month(WS, '2024-08-01', [2, 0, 2], 31, 'EUR', 62, 62)),
    ]);
  });

  it('dim_users: last action and its feature, and days idle for seat holders', async () => {
    const rows = await fx.db.query(
      `select workspace_uuid, user_uuid, last_active_at, last_feature, idle_days from ${mart('dim_users')}`,
    );
    const user = (ws: string, who: Account, last: string | null, idle: number | null) => ({
      workspace_uuid: ws,
      user_uuid: who.uuid,
      last_active_at: last ? t(last) : null,
      last_feature: last ? 'commit_authored' : null,
      idle_days: idle,
    });
    expect(sortRows(plain(rows), ['workspace_uuid', 'user_uuid'])).toEqual([
      user(WS, ADA, '2024-08-20T09:00:00Z', 11),
      user(WS, BOT, null, null),
      user(WS, GRACE, '2024-06-10T09:00:00Z', 82),
      // never acted: idle since the seat's first day
      user(WS, IVY, null, 46),
      user(WS2, GRACE, '2024-07-05T09:00:00Z', 57),
    ]);
  });

  it('fct_reclaimable_seats: seats idle at least reclaim_after_days, with teams and the monthly saving', async () => {
    const rows = await fx.db.query(
      `select workspace_uuid, user_uuid, display_name, last_active_at, last_feature, idle_days, teams,
              monthly_saving, currency
       from ${mart('fct_reclaimable_seats')}`,
    );
    expect(sortRows(plain(rows), ['workspace_uuid', 'user_uuid'])).toEqual([
      {
        workspace_uuid: WS,
        user_uuid: GRACE.uuid,
        display_name: 'Grace',
        last_active_at: t('2024-06-10T09:00:00Z'),
        last_feature: 'commit_authored',
        idle_days: 82,
        teams: 'Backend, Frontend',
        monthly_saving: 31,
        currency: 'EUR',
      },
      {
        workspace_uuid: WS,
        user_uuid: IVY.uuid,
        display_name: 'Ivy',
        last_active_at: null,
        last_feature: null,
        idle_days: 46,
        teams: 'Frontend',
        monthly_saving: 31,
        currency: 'EUR',
      },
      {
        workspace_uuid: WS2,
        user_uuid: GRACE.uuid,
        display_name: 'Grace',
        last_active_at: t('2024-07-05T09:00:00Z'),
        last_feature: 'commit_authored',
        idle_days: 57,
        teams: null,
        monthly_saving: 10,
        currency: 'USD',
      },
    ]);
  });
});
