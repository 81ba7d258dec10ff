// Feature adoption: the share of the workspace's paid seats that used each feature, week by week
// or month by month (fct_feature_adoption). Narrowed to a team or a project, seat shares do not
// exist (a user's week is not split by team), so the page shows the actions per feature instead
// (fct_team_feature_usage_daily / fct_project_feature_usage_daily, summed over dim_date's periods).
import { addDays, monthStart, weekStart } from './days';
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import { type Chart, chartTable, type Kpi, type PageModel, type TableRow } from './model';
import { groupBy, sum } from './stats';

/** Rows of one feature and period, whatever the source. */
interface FeaturePeriod {
  period: string;
  feature: string;
  name: string;
  value: number | null;
}

const periodColumn = { key: 'period', label: 'Period from', format: 'day' as const };
const featureColumn = () => martColumn('dim_features', 'display_name', 'Feature', 'text', 'name');

/** One series per feature over the periods, in the features' first-seen order. */
function featureChart(
  id: string,
  title: string,
  rows: FeaturePeriod[],
  shape: Pick<Chart, 'kind' | 'stacked' | 'unit' | 'counts'>,
): Chart {
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const series = [...groupBy(rows, (r) => r.name)].map(([label, featureRows]) => {
    const byPeriod = new Map(featureRows.map((r) => [r.period, r.value]));
    return { label, data: periods.map((p) => byPeriod.get(p) ?? null) };
  });
  return { id, title, labels: periods, series, ...shape };
}

const firstPeriod = (f: Filters) => (f.period === 'week' ? weekStart(f.from) : monthStart(f.from));
const periodEnd = (f: Filters, start: string) =>
  f.period === 'week' ? addDays(start, 6) : addDays(monthStart(addDays(start, 31)), -1);

async function seatShares(reader: MartReader, f: Filters): Promise<PageModel> {
  const rows = await reader.rows(
    `select ${reader.day('a.period_start')} as period_start, a.feature, d.display_name,
       a.active_users, a.active_seats, a.seats, a.share_of_seats
     from ${reader.mart('fct_feature_adoption')} a
     join ${reader.mart('dim_features')} d on d.feature = a.feature
     where a.workspace_uuid = $1 and a.period = $2
       and a.period_start between cast($3 as date) and cast($4 as date)
     order by a.period_start, a.feature`,
    [f.workspace.uuid, f.period, firstPeriod(f), f.to],
  );
  const adoption = rows.map((r) => ({
    period: String(toText(r.period_start)),
    feature: String(r.feature),
    name: String(toText(r.display_name)),
    value: toNumber(r.share_of_seats),
    active_users: toNumber(r.active_users),
    active_seats: toNumber(r.active_seats),
    seats: toNumber(r.seats),
  }));
  // Headline figures come from the last whole period: the running one is only partly counted.
  const periods = [...new Set(adoption.map((r) => r.period))];
  const latestPeriod = periods.filter((p) => periodEnd(f, p) <= f.lastDay).at(-1) ?? periods.at(-1);
  const latest = adoption
    .filter((r) => r.period === latestPeriod)
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0) || a.name.localeCompare(b.name));
  const top = latest.find((r) => (r.value ?? 0) > 0);
  const col = (key: string, label: string, format: 'int' | 'pct') =>
    martColumn('fct_feature_adoption', key, label, format);
  const chart = featureChart(
    'adoption-chart',
    `Share of seats using each feature, by ${f.period}`,
    adoption,
    {
      kind: 'line',
      unit: 'share',
    },
  );
  const kpis: Kpi[] = [
    martKpi('fct_feature_adoption', 'seats', {
      metric: 'seats',
      label: 'Seats',
      value: latest[0]?.seats ?? null,
      format: 'int',
    }),
    martKpi('dim_features', 'feature', {
      metric: 'features_in_use',
      label: 'Features in use',
      value: latest.filter((r) => (r.active_seats ?? 0) > 0).length,
      format: 'int',
    }),
    martKpi('fct_feature_adoption', 'share_of_seats', {
      metric: 'top_feature_share',
      label: top ? `Most adopted: ${top.name}` : 'Most adopted',
      value: top?.value ?? null,
      format: 'pct',
    }),
  ];
  return {
    kpis: kpis.map((k) => ({ ...k, hint: k.hint ?? (latestPeriod ? `${f.period} of ${latestPeriod}` : '') })),
    notes: [
      `Periods overlapping the range; the running ${f.period} counts up to the data’s last day, so the tiles and the table show the last whole ${f.period}.`,
    ],
    sections: [
      { heading: 'Adoption over time', chart, table: chartTable(chart, periodColumn, 'pct') },
      {
        heading: latestPeriod ? `The ${f.period} of ${latestPeriod}` : 'Latest period',
        table: {
          id: 'adoption-latest',
          caption: `Adoption by feature, the ${f.period} of ${latestPeriod ?? '–'}`,
          columns: [
            featureColumn(),
            col('active_users', 'Users', 'int'),
            col('active_seats', 'Seat holders', 'int'),
            col('seats', 'Seats', 'int'),
            col('share_of_seats', 'Share of seats', 'pct'),
          ],
          rows: latest.map((r): TableRow => ({ ...r, share_of_seats: r.value })),
          empty: 'No adoption figures in this range.',
        },
      },
    ],
  };
}

async function actionsByFeature(reader: MartReader, f: Filters): Promise<PageModel> {
  const [mart, keyColumn, key, who] = f.team
    ? (['fct_team_feature_usage_daily', 'team_key', f.team.teamKey, `team ${f.team.name}`] as const)
    : ([
        'fct_project_feature_usage_daily',
        'project_uuid',
        f.project?.uuid,
        `project ${f.project?.key}`,
      ] as const);
  const periodStart = f.period === 'week' ? 'd.week_start' : 'd.month_start';
  const rows = await reader.rows(
    `select ${reader.day(periodStart)} as period_start, u.feature, x.display_name,
       sum(u.events) as events, max(u.users) as peak_users, count(*) as days_used
     from ${reader.mart(mart)} u
     join ${reader.mart('dim_date')} d on d.date_day = u.activity_date
     join ${reader.mart('dim_features')} x on x.feature = u.feature
     where u.${keyColumn} = $1 and u.activity_date between cast($2 as date) and cast($3 as date)
     group by ${periodStart}, u.feature, x.display_name
     order by ${periodStart}, u.feature`,
    [key, f.from, f.to],
  );
  const usage = rows.map((r) => ({
    period: String(toText(r.period_start)),
    feature: String(r.feature),
    name: String(toText(r.display_name)),
    value: toNumber(r.events),
    peak_users: toNumber(r.peak_users) ?? 0,
    days_used: toNumber(r.days_used) ?? 0,
  }));
  const chart = featureChart('adoption-chart', `Actions per feature by ${f.period}, ${who}`, usage, {
    kind: 'bar',
    stacked: true,
    unit: 'actions',
    counts: true,
  });
  const totals = [...groupBy(usage, (r) => r.name)]
    .map(([name, featureRows]) => ({
      name,
      events: sum(featureRows.map((r) => r.value)),
      days_used: sum(featureRows.map((r) => r.days_used)),
      peak_users: Math.max(...featureRows.map((r) => r.peak_users)),
    }))
    .sort((a, b) => b.events - a.events);
  return {
    kpis: [
      martKpi(mart, 'events', {
        metric: 'events',
        label: 'Actions',
        value: sum(totals.map((t) => t.events)),
        format: 'int',
      }),
      martKpi('dim_features', 'feature', {
        metric: 'features_used',
        label: 'Features used',
        value: totals.length,
        format: 'int',
      }),
      { metric: 'top_feature', label: 'Most used', value: totals[0]?.name ?? null, format: 'text' },
    ],
    notes: [
      `Seat shares are a workspace figure; for ${who} the page shows actions per feature. A user in two teams counts in each.`,
    ],
    sections: [
      { heading: 'Actions per feature over time', chart, table: chartTable(chart, periodColumn, 'int') },
      {
        heading: 'Features over the range',
        table: {
          id: 'adoption-latest',
          caption: `Features used by ${who}, ${f.from} to ${f.to}`,
          columns: [
            featureColumn(),
            martColumn(mart, 'events', 'Actions', 'int'),
            { key: 'days_used', label: 'Days used', format: 'int' },
            martColumn(mart, 'users', 'Most users in a day', 'int', 'peak_users'),
          ],
          rows: totals,
          empty: `No actions by ${who} in this range.`,
        },
      },
    ],
  };
}

export function loadAdoption(reader: MartReader, f: Filters): Promise<PageModel> {
  return f.team || f.project ? actionsByFeature(reader, f) : seatShares(reader, f);
}
