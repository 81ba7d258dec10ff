// Seats, identities and utilization over hand-written raw records, as of 2024-06-30 (the day of
// the members listing). Two workspaces; Grace holds a seat in both. In WS: Ada's seat starts
// 2024-06-10, Linus leaves on 2024-06-20, Ivy never acts, the deploy bot is an app user, Hopper
// acts without being a member, and three commits are not linked to an account (one resolved by
// e-mail match, one by the hand-made identity map, one left unresolved).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { mapIdentity } from '../../warehouse/identityMap';
import { markDeleted } from '../../warehouse/raw/reconcile';
import {
  type Account,
  ADA,
  account,
  asText,
  BOT,
  commitPayload,
  deployment,
  GRACE,
  loadWorkspaceLoads,
  membership,
  permission,
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

const WS2 = '{ws-2}';
const REPO2 = '{repo-2}';
const LINUS = account('{u-linus}', 'Linus');
const IVY = account('{u-ivy}', 'Ivy');
const HOPPER = account('{u-hopper}', 'Hopper');
const LISTED_AT = '2024-06-30T12:00:00.000000Z';

const commit = (repo: string, hash: string, date: string, authorRaw: string, user?: Account) => ({
  key: `${repo}:${hash}`,
  parentKey: repo,
  updatedOn: date,
  payload: commitPayload(hash, date, authorRaw, user),
});

const LOADS: WorkspaceLoad[] = [
  { ws: WS, stream: 'repositories', records: [repositoryRecord(REPO, WS, 'api')] },
  { ws: WS2, stream: 'repositories', records: [repositoryRecord(REPO2, WS2, 'web')] },
  {
    ws: WS,
    stream: 'members',
    records: [ADA, GRACE, BOT, LINUS, IVY].map((u) => membership(WS, u)),
  },
  {
    ws: WS,
    stream: 'permissions',
    records: [
      permission(WS, ADA, '2024-06-10T08:00:00+00:00'),
      ...[GRACE, BOT, LINUS, IVY].map((u) => permission(WS, u)),
    ],
  },
  { ws: WS2, stream: 'members', records: [membership(WS2, GRACE)] },
  { ws: WS2, stream: 'permissions', records: [permission(WS2, GRACE)] },
  {
    ws: WS,
    stream: 'commits',
    records: [
      commit(REPO, 'a1', '2024-05-31T09:00:00+00:00', 'Grace <grace@example.com>', GRACE),
      commit(REPO, 'a2', '2024-06-05T09:00:00+00:00', 'Linus <linus@example.com>', LINUS),
      commit(REPO, 'a3', '2024-06-12T10:00:00+00:00', 'Ada <ada@example.com>', ADA),
      commit(REPO, 'a4', '2024-06-15T09:00:00+00:00', 'Hopper <hopper@example.com>', HOPPER),
      commit(REPO, 'a5', '2024-06-16T09:00:00+00:00', 'Ghost <ghost@example.com>'),
      // Bitbucket did not link these two; the first address is linked on a3, the second is mapped by hand
      commit(REPO, 'a6', '2024-06-29T10:00:00+00:00', 'Ada L <ADA@example.com>'),
      commit(REPO, 'a7', '2024-06-30T09:00:00+00:00', 'ada <ada@users.noreply.example>'),
    ],
  },
  {
    ws: WS,
    stream: 'deployments',
    records: [deployment(1, BOT, '2024-06-20T10:00:00+00:00', 'a3', '2024-06-20T10:05:00+00:00')],
  },
  {
    ws: WS2,
    stream: 'commits',
    records: [commit(REPO2, 'b1', '2024-06-25T09:00:00+00:00', 'Grace <grace@example.com>', GRACE)],
  },
];

type SeatDay = {
  date_day: string;
  workspace_uuid: string;
  seats: number;
  active_users_1d: number;
  active_users_7d: number;
  active_users_30d: number;
  active_users_90d: number;
  active_seats_30d: number;
  idle_seats_30d: number;
  seat_utilization_30d: number | null;
  seats_in_several_workspaces: number;
};
const seatDay = (
  date_day: string,
  workspace_uuid: string,
  [seats, a1, a7, a30, a90, activeSeats, idle]: number[],
  utilization: number | null,
  several: number,
): SeatDay => ({
  date_day,
  workspace_uuid,
  seats: seats as number,
  active_users_1d: a1 as number,
  active_users_7d: a7 as number,
  active_users_30d: a30 as number,
  active_users_90d: a90 as number,
  active_seats_30d: activeSeats as number,
  idle_seats_30d: idle as number,
  seat_utilization_30d: utilization,
  seats_in_several_workspaces: several,
});

// What this file reads, and what those models read: the rest of the project is other files' business.
const BUILT = [
  'int_identity_map',
  'int_user_events',
  'dim_date',
  'fct_seat_utilization_daily',
  'dim_users',
  'fct_feature_adoption',
].map((model) => `+${model}`);

describeEachDialect('seats, identities and utilization', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });
  const mart = (name: string) => fx.db.table('marts', name);

  beforeAll(async () => {
    await loadWorkspaceLoads(fx.db, LOADS, LISTED_AT);
    // Linus is missing from a later listing: he left on 20 June.
    await markDeleted(fx.db, {
      stream: 'members',
      connectionId: 'c1',
      parentKey: WS,
      keep: [ADA, GRACE, BOT, IVY].map((u) => `${WS}:${u.uuid}`),
      runId: 'run-2',
      at: '2024-06-20T08:00:00.000000Z',
    });
    await mapIdentity(fx.db, 'Ada@Users.Noreply.Example', ADA.uuid);
    const results = await runModels(fx.db, loadProject(SQL_DIR), { select: BUILT });
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  }, 300_000);

  it('int_identity_map: hand-made mappings first, then addresses linked to exactly one user', async () => {
    const rows = await fx.db.query(
      `select author_email, user_uuid, resolution from ${fx.db.table('intermediate', 'int_identity_map')}`,
    );
    expect(sortRows(rows, ['author_email'])).toEqual([
      { author_email: 'ada@example.com', user_uuid: ADA.uuid, resolution: 'email_match' },
      { author_email: 'ada@users.noreply.example', user_uuid: ADA.uuid, resolution: 'mapped' },
      { author_email: 'grace@example.com', user_uuid: GRACE.uuid, resolution: 'email_match' },
      { author_email: 'hopper@example.com', user_uuid: HOPPER.uuid, resolution: 'email_match' },
      { author_email: 'linus@example.com', user_uuid: LINUS.uuid, resolution: 'email_match' },
    ]);
  });

  it('int_user_events: unlinked commit authors resolved where possible, the rest kept unresolved', async () => {
    const rows = await fx.db.query(
      `select source_record_key, user_uuid, is_resolved, resolution
       from ${fx.db.table('intermediate', 'int_user_events')} where feature = 'commit_authored'`,
    );
    const resolved = (hash: string, user: string | null, resolution: string | null, repo = REPO) => ({
      source_record_key: `${repo}:${hash}`,
      user_uuid: user,
      is_resolved: user !== null,
      resolution,
    });
    expect(sortRows(rows, ['source_record_key'])).toEqual([
      resolved('a1', GRACE.uuid, 'bitbucket'),
      resolved('a2', LINUS.uuid, 'bitbucket'),
      resolved('a3', ADA.uuid, 'bitbucket'),
      resolved('a4', HOPPER.uuid, 'bitbucket'),
      resolved('a5', null, null),
      resolved('a6', ADA.uuid, 'email_match'),
      resolved('a7', ADA.uuid, 'mapped'),
      resolved('b1', GRACE.uuid, 'bitbucket', REPO2),
    ]);
  });

  it('dim_date: one row per day from the first action to the as-of date', async () => {
    const rows = await fx.db.query<Record<string, unknown>>(
      `select ${asText(fx.db, 'date_day')} as date_day, ${asText(fx.db, 'week_start')} as week_start,
              ${asText(fx.db, 'month_start')} as month_start, year, month, iso_day_of_week, is_as_of_date
       from ${mart('dim_date')}`,
    );
    const sorted = sortRows(rows, ['date_day']);
    expect(sorted).toHaveLength(31);
    expect(sorted[0]).toEqual({
      date_day: '2024-05-31',
      week_start: '2024-05-27',
      month_start: '2024-05-01',
      year: 2024,
      month: 5,
      iso_day_of_week: 5,
      is_as_of_date: false,
    });
    expect(sorted[30]).toEqual({
      date_day: '2024-06-30',
      week_start: '2024-06-24',
      month_start: '2024-06-01',
      year: 2024,
      month: 6,
      iso_day_of_week: 7,
      is_as_of_date: true,
    });
  });

  it('fct_seat_utilization_daily: seats, trailing active users, idle seats and seats held twice', async () => {
    const rows = await fx.db.query<SeatDay>(
      `select ${asText(fx.db, 'date_day')} as date_day, workspace_uuid, seats, active_users_1d, active_users_7d,
              active_users_30d, active_users_90d, active_seats_30d, idle_seats_30d, seat_utilization_30d,
              seats_in_several_workspaces
       from ${mart('fct_seat_utilization_daily')}`,
    );
    expect(rows).toHaveLength(62);
    const day = (date: string, ws: string) =>
      rows.find((r) => r.date_day === date && r.workspace_uuid === ws);
    expect(day('2024-05-31', WS)).toEqual(seatDay('2024-05-31', WS, [3, 1, 1, 1, 1, 1, 2], 0.3333, 1));
    expect(day('2024-06-05', WS)).toEqual(seatDay('2024-06-05', WS, [3, 1, 2, 2, 2, 2, 1], 0.6667, 1));
    expect(day('2024-06-09', WS)).toEqual(seatDay('2024-06-09', WS, [3, 0, 1, 2, 2, 2, 1], 0.6667, 1));
    expect(day('2024-06-12', WS)).toEqual(seatDay('2024-06-12', WS, [4, 1, 1, 3, 3, 3, 1], 0.75, 1));
    expect(day('2024-06-20', WS)).toEqual(seatDay('2024-06-20', WS, [3, 1, 2, 5, 5, 2, 1], 0.6667, 1));
    expect(day('2024-06-30', WS)).toEqual(seatDay('2024-06-30', WS, [3, 1, 1, 4, 5, 1, 2], 0.3333, 1));
    expect(day('2024-06-24', WS2)).toEqual(seatDay('2024-06-24', WS2, [1, 0, 0, 0, 0, 0, 1], 0, 1));
    expect(day('2024-06-25', WS2)).toEqual(seatDay('2024-06-25', WS2, [1, 1, 1, 1, 1, 1, 0], 1, 1));
    expect(day('2024-06-30', WS2)).toEqual(seatDay('2024-06-30', WS2, [1, 0, 1, 1, 1, 1, 0], 1, 1));
  });

  it('dim_users: every member and active non-member, with activity and the inactivity reason', async () => {
    const rows = plain(
      await fx.db.query(
        `select workspace_uuid, user_uuid, display_name, user_type, permission, is_member, holds_seat,
                ${asText(fx.db, 'seat_start_date')} as seat_start_date, ${asText(fx.db, 'left_on')} as left_on,
                first_activity_at, last_activity_at, ${asText(fx.db, 'last_active_date')} as last_active_date,
                events, features_used, feature_list, days_inactive, inactivity_reason
         from ${mart('dim_users')}`,
      ),
    );
    const user = (ws: string, who: Account | null, uuid: string, fields: Record<string, unknown>) => ({
      workspace_uuid: ws,
      user_uuid: uuid,
      display_name: who?.display_name ?? null,
      user_type: who?.type ?? null,
      permission: who ? 'member' : null,
      is_member: true,
      holds_seat: true,
      seat_start_date: null,
      left_on: null,
      first_activity_at: null,
      last_activity_at: null,
      last_active_date: null,
      events: 0,
      features_used: 0,
      feature_list: null,
      days_inactive: null,
      inactivity_reason: null,
      ...fields,
    });
    const active = (first: string, last: string, events: number, features: string[], days: number) => ({
      first_activity_at: t(first),
      last_activity_at: t(last),
      last_active_date: last.slice(0, 10),
      events,
      features_used: features.length,
      feature_list: features.join(', '),
      days_inactive: days,
    });
    expect(sortRows(rows, ['workspace_uuid', 'user_uuid'])).toEqual([
      user(WS, ADA, ADA.uuid, {
        seat_start_date: '2024-06-10',
        ...active('2024-06-12T10:00:00Z', '2024-06-30T09:00:00Z', 3, ['commit_authored'], 0),
      }),
      user(WS, BOT, BOT.uuid, {
        holds_seat: false,
        ...active('2024-06-20T10:00:00Z', '2024-06-20T10:00:00Z', 1, ['deployment'], 10),
        inactivity_reason: 'app user',
      }),
      user(WS, GRACE, GRACE.uuid, {
        ...active('2024-05-31T09:00:00Z', '2024-05-31T09:00:00Z', 1, ['commit_authored'], 30),
        inactivity_reason: 'inactive 30 days',
      }),
      user(WS, null, HOPPER.uuid, {
        is_member: false,
        holds_seat: false,
        ...active('2024-06-15T09:00:00Z', '2024-06-15T09:00:00Z', 1, ['commit_authored'], 15),
      }),
      user(WS, IVY, IVY.uuid, { inactivity_reason: 'never active' }),
      user(WS, LINUS, LINUS.uuid, {
        is_member: false,
        holds_seat: false,
        left_on: '2024-06-20',
        ...active('2024-06-05T09:00:00Z', '2024-06-05T09:00:00Z', 1, ['commit_authored'], 25),
        inactivity_reason: 'left the workspace',
      }),
      user(WS2, GRACE, GRACE.uuid, {
        ...active('2024-06-25T09:00:00Z', '2024-06-25T09:00:00Z', 1, ['commit_authored'], 5),
      }),
    ]);
  });

  describe('fct_feature_adoption', () => {
    const adoption = (
      period: string,
      start: string,
      ws: string,
      feature: string,
      [users, seatsActive, seats]: number[],
      share: number | null,
    ) => ({
      period,
      period_start: start,
      workspace_uuid: ws,
      feature,
      active_users: users,
      active_seats: seatsActive,
      seats,
      share_of_seats: share,
    });
    let rows: Record<string, unknown>[];
    beforeAll(async () => {
      rows = await fx.db.query(
        `select period, ${asText(fx.db, 'period_start')} as period_start, workspace_uuid, feature, active_users,
                active_seats, seats, share_of_seats
         from ${mart('fct_feature_adoption')}`,
      );
    });

    it('has a row for every period, workspace and feature, zero when unused', () => {
      // 5 ISO weeks and 2 months, 2 workspaces, 11 features
      expect(rows).toHaveLength(7 * 2 * 11);
      expect(
        rows.find(
          (r) =>
            r.period === 'week' &&
            r.period_start === '2024-06-03' &&
            r.feature === 'pr_opened' &&
            r.workspace_uuid === WS,
        ),
      ).toEqual(adoption('week', '2024-06-03', WS, 'pr_opened', [0, 0, 3], 0));
    });

    it('counts the users of each feature and the share of seats they hold', () => {
      const used = sortRows(
        rows.filter((r) => Number(r.active_users) > 0),
        ['period', 'period_start', 'workspace_uuid', 'feature'],
      );
      expect(used).toEqual([
        adoption('month', '2024-05-01', WS, 'commit_authored', [1, 1, 3], 0.3333),
        adoption('month', '2024-06-01', WS, 'commit_authored', [3, 1, 3], 0.3333),
        adoption('month', '2024-06-01', WS, 'deployment', [1, 0, 3], 0),
        adoption('month', '2024-06-01', WS2, 'commit_authored', [1, 1, 1], 1),
        adoption('week', '2024-05-27', WS, 'commit_authored', [1, 1, 3], 0.3333),
        adoption('week', '2024-06-03', WS, 'commit_authored', [1, 1, 3], 0.3333),
        adoption('week', '2024-06-10', WS, 'commit_authored', [2, 1, 4], 0.25),
        adoption('week', '2024-06-17', WS, 'deployment', [1, 0, 3], 0),
        adoption('week', '2024-06-24', WS, 'commit_authored', [1, 1, 3], 0.3333),
        adoption('week', '2024-06-24', WS2, 'commit_authored', [1, 1, 1], 1),
      ]);
    });
  });
});
