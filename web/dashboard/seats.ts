// Seat utilization over time: paid seats against the seats used in the last 30 days, for the
// workspace (fct_seat_utilization_daily), one team (fct_team_utilization_daily) or one project
// (fct_project_utilization_daily); what the seats cost month by month (seatSpend); and the teams
// and projects side by side as of the range's end.
import { type Filters, filterQuery } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import type { Format, Kpi, PageModel, Table } from './model';
import { loadSpend } from './seatSpend';

interface Metric {
  column: string;
  label: string;
  format: Format;
  /** Drawn in the chart (shares and counts of another scale are in the table only). */
  charted: boolean;
}

interface SeatSource {
  mart: string;
  /** The column and value the rows are filtered on. */
  key: [string, string];
  metrics: Metric[];
}

const count = (column: string, label: string, charted = true): Metric => ({
  column,
  label,
  format: 'int',
  charted,
});
/** The seat figures the workspace and team marts share. */
const SEAT_METRICS: Metric[] = [
  count('seats', 'Seats'),
  count('active_seats_30d', 'Seats active (30 days)'),
  count('idle_seats_30d', 'Idle seats (30 days)'),
  { column: 'seat_utilization_30d', label: 'Seat utilization (30 days)', format: 'pct', charted: false },
];

function sourceFor(f: Filters): SeatSource {
  if (f.team)
    return {
      mart: 'fct_team_utilization_daily',
      key: ['team_key', f.team.teamKey],
      metrics: [
        ...SEAT_METRICS,
        count('members', 'Members', false),
        count('active_members', 'Members active that day', false),
      ],
    };
  if (f.project)
    return {
      mart: 'fct_project_utilization_daily',
      key: ['project_uuid', f.project.uuid],
      metrics: [
        count('seats_with_access', 'Seats with access'),
        count('active_users_30d', 'Users active (30 days)'),
        count('active_users', 'Users active that day', false),
        count('events', 'Actions that day', false),
      ],
    };
  return {
    mart: 'fct_seat_utilization_daily',
    key: ['workspace_uuid', f.workspace.uuid],
    metrics: [...SEAT_METRICS, count('active_users_30d', 'Users active (30 days)')],
  };
}

async function teamsTable(reader: MartReader, f: Filters): Promise<Table> {
  const rows = await reader.rows(
    `select t.group_slug, t.team_name, u.members, u.seats, u.active_seats_30d, u.idle_seats_30d,
       u.seat_utilization_30d
     from ${reader.mart('fct_team_utilization_daily')} u
     join ${reader.mart('dim_teams')} t on t.team_key = u.team_key
     where u.workspace_uuid = $1 and u.date_day = cast($2 as date)`,
    [f.workspace.uuid, f.asOf],
  );
  const col = (key: string, label: string, format: Format) =>
    martColumn('fct_team_utilization_daily', key, label, format);
  return {
    id: 'teams',
    caption: `Teams on ${f.asOf}`,
    columns: [
      { key: 'team', label: 'Team', format: 'text', hrefKey: 'href' },
      col('members', 'Members', 'int'),
      col('seats', 'Seats', 'int'),
      col('active_seats_30d', 'Active (30 days)', 'int'),
      col('idle_seats_30d', 'Idle (30 days)', 'int'),
      col('seat_utilization_30d', 'Utilization', 'pct'),
    ],
    rows: rows
      .map((r) => ({
        team: toText(r.team_name) ?? String(r.group_slug),
        href: `?${filterQuery(f, [], { team: String(r.group_slug) })}`,
        members: toNumber(r.members),
        seats: toNumber(r.seats),
        active_seats_30d: toNumber(r.active_seats_30d),
        idle_seats_30d: toNumber(r.idle_seats_30d),
        seat_utilization_30d: toNumber(r.seat_utilization_30d),
      }))
      .sort((a, b) => (b.idle_seats_30d ?? 0) - (a.idle_seats_30d ?? 0) || a.team.localeCompare(b.team)),
    empty: 'No teams (workspace groups) in this workspace.',
  };
}

async function projectsTable(reader: MartReader, f: Filters): Promise<Table> {
  const rows = await reader.rows(
    `select project_uuid,
       max(case when date_day = cast($3 as date) then seats_with_access end) as seats_with_access,
       max(case when date_day = cast($3 as date) then active_users_30d end) as active_users_30d,
       sum(events) as events
     from ${reader.mart('fct_project_utilization_daily')}
     where workspace_uuid = $1 and date_day between cast($2 as date) and cast($3 as date)
     group by project_uuid`,
    [f.workspace.uuid, f.from, f.asOf],
  );
  const byUuid = new Map(rows.map((r) => [String(r.project_uuid), r]));
  const col = (key: string, label: string) => martColumn('fct_project_utilization_daily', key, label, 'int');
  return {
    id: 'projects',
    caption: `Projects on ${f.asOf} (actions: the whole range)`,
    columns: [
      { key: 'project', label: 'Project', format: 'text', hrefKey: 'href' },
      { key: 'name', label: 'Name', format: 'text' },
      col('seats_with_access', 'Seats with access'),
      col('active_users_30d', 'Users active (30 days)'),
      col('events', 'Actions'),
    ],
    rows: f.choices.projects.map((p) => {
      const r = byUuid.get(p.uuid);
      return {
        project: p.key,
        name: p.name,
        href: `?${filterQuery(f, [], { project: p.key })}`,
        seats_with_access: toNumber(r?.seats_with_access),
        active_users_30d: toNumber(r?.active_users_30d),
        events: toNumber(r?.events) ?? 0,
      };
    }),
    empty: 'No projects in this workspace.',
  };
}

export async function loadSeats(reader: MartReader, f: Filters): Promise<PageModel> {
  const source = sourceFor(f);
  const rows = await reader.rows(
    `select ${reader.day('date_day')} as day, ${source.metrics.map((m) => m.column).join(', ')}
     from ${reader.mart(source.mart)}
     where ${source.key[0]} = $1 and date_day between cast($2 as date) and cast($3 as date)
     order by date_day`,
    [source.key[1], f.from, f.to],
  );
  const series = rows.map((r) => ({
    day: String(toText(r.day)),
    values: Object.fromEntries(source.metrics.map((m) => [m.column, toNumber(r[m.column])])),
  }));
  const last = series.at(-1);
  const kpis: Kpi[] = source.metrics.map((m) =>
    martKpi(source.mart, m.column, {
      metric: m.column,
      label: m.label,
      value: last?.values[m.column] ?? null,
      format: m.format,
      hint: last ? `on ${last.day}` : 'no data in this range',
    }),
  );
  const scopeName = f.team ? `team ${f.team.name}` : f.project ? `project ${f.project.key}` : f.workspace.key;
  const charted = source.metrics.filter((m) => m.charted);
  const spend = await loadSpend(reader, f);
  return {
    kpis: [...kpis, ...spend.kpis],
    notes: [
      ...(f.project
        ? [
            'Seats with access count explicit project access (group or direct permissions); users active include anyone acting in the project’s repositories, seat holders or not.',
          ]
        : []),
      ...spend.notes,
    ],
    sections: [
      {
        heading: `Seats and use over time: ${scopeName}`,
        chart: {
          id: 'seats-chart',
          kind: 'line',
          title: `Seats and use over time, ${scopeName}`,
          labels: series.map((s) => s.day),
          series: charted.map((m) => ({
            label: m.label,
            data: series.map((s) => s.values[m.column] ?? null),
          })),
          unit: 'seats',
          counts: true,
        },
        table: {
          id: 'seats-series',
          caption: 'Day by day',
          columns: [
            { key: 'day', label: 'Day', format: 'day' },
            ...source.metrics.map((m) => martColumn(source.mart, m.column, m.label, m.format)),
          ],
          rows: series.map((s) => ({ day: s.day, ...s.values })),
          empty: 'No data in this range.',
          collapsed: true,
        },
      },
      ...spend.sections,
      { heading: 'Teams', table: await teamsTable(reader, f) },
      { heading: 'Projects', table: await projectsTable(reader, f) },
    ],
  };
}
