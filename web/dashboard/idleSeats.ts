// Idle seats to reclaim: the paid seats whose holder has not acted lately or ever (dim_users rows
// with holds_seat and an inactivity_reason), with their teams, and the idle seats team by team.
// The table is also the CSV export, row for row. dim_users is as of the data's as-of date, so the
// date range does not apply here.
import { type Filters, filterQuery } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import type { Column, Format, Kpi, PageModel, Table } from './model';
import { groupBy, ratio } from './stats';

const user = (column: string, label: string, format: Format) =>
  martColumn('dim_users', column, label, format);

const IDLE_COLUMNS: Column[] = [
  user('display_name', 'Name', 'text'),
  user('nickname', 'Nickname', 'text'),
  user('permission', 'Role', 'text'),
  user('inactivity_reason', 'Why idle', 'text'),
  user('days_inactive', 'Days inactive', 'int'),
  user('last_active_date', 'Last active', 'day'),
  user('seat_start_date', 'Seat since', 'day'),
  { key: 'teams', label: 'Teams', format: 'text' },
  user('events', 'Actions (all time)', 'int'),
];

/** Team names per user of the workspace. */
async function teamsByUser(reader: MartReader, workspaceUuid: string): Promise<Map<string, string[]>> {
  const rows = await reader.rows(
    `select b.user_uuid, t.team_name
     from ${reader.mart('bridge_user_teams')} b
     join ${reader.mart('dim_teams')} t on t.team_key = b.team_key
     where b.workspace_uuid = $1`,
    [workspaceUuid],
  );
  const groups = groupBy(rows, (r) => String(r.user_uuid));
  return new Map(
    [...groups].map(([uuid, teams]) => [uuid, teams.map((t) => String(toText(t.team_name))).sort()]),
  );
}

/** The idle seats of the workspace (of one team, when filtered): the page's table and the CSV. */
export async function idleSeatsTable(reader: MartReader, f: Filters): Promise<Table> {
  const teamJoin = f.team
    ? `join ${reader.mart('bridge_user_teams')} b
         on b.workspace_uuid = u.workspace_uuid and b.user_uuid = u.user_uuid and b.team_key = $2`
    : '';
  const rows = await reader.rows(
    `select u.user_uuid, u.display_name, u.nickname, u.permission, u.inactivity_reason, u.days_inactive,
       ${reader.day('u.last_active_date')} as last_active_date,
       ${reader.day('u.seat_start_date')} as seat_start_date, u.events
     from ${reader.mart('dim_users')} u ${teamJoin}
     where u.workspace_uuid = $1 and u.holds_seat and u.inactivity_reason is not null`,
    f.team ? [f.workspace.uuid, f.team.teamKey] : [f.workspace.uuid],
  );
  const teams = await teamsByUser(reader, f.workspace.uuid);
  const idle = rows.map((r) => ({
    display_name: toText(r.display_name) ?? toText(r.nickname) ?? String(r.user_uuid),
    nickname: toText(r.nickname),
    permission: toText(r.permission),
    inactivity_reason: toText(r.inactivity_reason),
    days_inactive: toNumber(r.days_inactive),
    last_active_date: toText(r.last_active_date),
    seat_start_date: toText(r.seat_start_date),
    teams: (teams.get(String(r.user_uuid)) ?? []).join(', '),
    events: toNumber(r.events),
  }));
  // Never active first, then the longest idle.
  idle.sort(
    (a, b) =>
      (b.days_inactive ?? Number.POSITIVE_INFINITY) - (a.days_inactive ?? Number.POSITIVE_INFINITY) ||
      a.display_name.localeCompare(b.display_name),
  );
  return {
    id: 'idle-seats',
    caption: `Idle seats${f.team ? ` in team ${f.team.name}` : ''} as of ${f.lastDay}`,
    columns: IDLE_COLUMNS,
    rows: idle,
    empty: 'No idle seats: every seat holder acted in the last 30 days.',
  };
}

interface SeatCounts {
  seats: number;
  idle_seats: number;
  never_active: number;
}

const SEAT_COUNTS = `count(*) as seats,
  sum(case when u.inactivity_reason is not null then 1 else 0 end) as idle_seats,
  sum(case when u.last_activity_at is null then 1 else 0 end) as never_active`;

const seatCounts = (r: Record<string, unknown>): SeatCounts => ({
  seats: toNumber(r.seats) ?? 0,
  idle_seats: toNumber(r.idle_seats) ?? 0,
  never_active: toNumber(r.never_active) ?? 0,
});

/** Seats and idle seats per team, and of the seat holders in no team. */
async function idleByTeam(reader: MartReader, f: Filters) {
  const teamRows = await reader.rows(
    `select t.group_slug, t.team_name, ${SEAT_COUNTS}
     from ${reader.mart('bridge_user_teams')} b
     join ${reader.mart('dim_users')} u on u.workspace_uuid = b.workspace_uuid and u.user_uuid = b.user_uuid
     join ${reader.mart('dim_teams')} t on t.team_key = b.team_key
     where b.workspace_uuid = $1 and u.holds_seat
     group by t.group_slug, t.team_name`,
    [f.workspace.uuid],
  );
  const membershipRows = await reader.rows(
    `select case when b.user_uuid is null then 0 else 1 end as in_team, ${SEAT_COUNTS}
     from ${reader.mart('dim_users')} u
     left join (select distinct workspace_uuid, user_uuid from ${reader.mart('bridge_user_teams')}) b
       on b.workspace_uuid = u.workspace_uuid and b.user_uuid = u.user_uuid
     where u.workspace_uuid = $1 and u.holds_seat
     group by 1`,
    [f.workspace.uuid],
  );
  const none: SeatCounts = { seats: 0, idle_seats: 0, never_active: 0 };
  const byMembership = new Map(membershipRows.map((r) => [toNumber(r.in_team), seatCounts(r)]));
  const inTeam = byMembership.get(1) ?? none;
  const noTeam = byMembership.get(0) ?? none;
  const total: SeatCounts = {
    seats: inTeam.seats + noTeam.seats,
    idle_seats: inTeam.idle_seats + noTeam.idle_seats,
    never_active: inTeam.never_active + noTeam.never_active,
  };
  const teams = teamRows.map((r) => ({
    slug: String(r.group_slug),
    team: toText(r.team_name) ?? String(r.group_slug),
    ...seatCounts(r),
  }));
  return { teams, noTeam, total };
}

export async function loadIdleSeats(reader: MartReader, f: Filters): Promise<PageModel> {
  const table = await idleSeatsTable(reader, f);
  const { teams, noTeam, total } = await idleByTeam(reader, f);
  const shown = f.team ? (teams.find((t) => t.slug === f.team?.slug) ?? total) : total;
  const kpis: Kpi[] = [
    martKpi('dim_users', 'holds_seat', {
      metric: 'seats',
      label: 'Seats',
      value: shown.seats,
      format: 'int',
    }),
    martKpi('dim_users', 'inactivity_reason', {
      metric: 'idle_seats',
      label: 'Idle seats',
      value: shown.idle_seats,
      format: 'int',
    }),
    martKpi('dim_users', 'first_activity_at', {
      metric: 'never_active',
      label: 'Never active',
      value: shown.never_active,
      format: 'int',
    }),
    {
      metric: 'idle_share',
      label: 'Share of seats idle',
      value: ratio(shown.idle_seats, shown.seats),
      format: 'pct',
    },
  ];
  const teamRow = (team: string, counts: SeatCounts, href?: string) => ({
    team,
    href,
    ...counts,
    idle_share: ratio(counts.idle_seats, counts.seats),
  });
  const byTeam = [
    ...teams
      .map((t) => teamRow(t.team, t, `?${filterQuery(f, [], { team: t.slug })}`))
      .sort((a, b) => b.idle_seats - a.idle_seats || a.team.localeCompare(b.team)),
    ...(noTeam.seats > 0 ? [teamRow('(in no team)', noTeam)] : []),
  ];
  return {
    kpis,
    notes: [
      `As of ${f.lastDay}, the last day the data covers; the date range does not apply to this page.`,
      'A seat is idle when its holder did nothing in the last 30 days or never did anything. Reclaiming it means removing the member in Bitbucket.',
    ],
    sections: [
      { heading: 'Who holds them', table },
      {
        heading: 'Idle seats by team',
        note: 'A member of several teams counts in each, so the rows do not add up to the workspace’s seats.',
        table: {
          id: 'idle-by-team',
          caption: `Idle seats by team as of ${f.lastDay}`,
          columns: [
            { key: 'team', label: 'Team', format: 'text', hrefKey: 'href' },
            martColumn('dim_teams', 'seats', 'Seats', 'int'),
            { key: 'idle_seats', label: 'Idle seats', format: 'int' },
            { key: 'never_active', label: 'Never active', format: 'int' },
            { key: 'idle_share', label: 'Share idle', format: 'pct' },
          ],
          rows: byTeam,
          empty: 'No teams (workspace groups) in this workspace.',
        },
      },
    ],
  };
}
