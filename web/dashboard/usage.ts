// Feature usage by user: each user's actions per feature over the range (fct_feature_usage_daily),
// named through dim_users, optionally narrowed to a team's current members (bridge_user_teams).

import { median } from '../../lib/median';
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import { type Chart, type Column, chartTable, type PageModel, type TableRow } from './model';
import { sum } from './stats';

const MART = 'fct_feature_usage_daily';
/** Users drawn in the chart; the table lists all of them. */
const CHART_USERS = 15;

export async function loadUsage(reader: MartReader, f: Filters): Promise<PageModel> {
  const teamJoin = f.team
    ? `join ${reader.mart('bridge_user_teams')} b
         on b.workspace_uuid = u.workspace_uuid and b.user_uuid = u.user_uuid and b.team_key = $4`
    : '';
  const params = [f.workspace.uuid, f.from, f.to, ...(f.team ? [f.team.teamKey] : [])];
  const inRange = `u.workspace_uuid = $1 and u.activity_date between cast($2 as date) and cast($3 as date)`;
  const byFeature = await reader.rows(
    `select u.user_uuid, u.feature, sum(u.events) as events
     from ${reader.mart(MART)} u ${teamJoin}
     where ${inRange}
     group by u.user_uuid, u.feature`,
    params,
  );
  const users = await reader.rows(
    `select u.user_uuid, max(d.display_name) as display_name, max(d.nickname) as nickname,
       count(distinct u.activity_date) as active_days
     from ${reader.mart(MART)} u ${teamJoin}
     left join ${reader.mart('dim_users')} d on d.workspace_uuid = u.workspace_uuid and d.user_uuid = u.user_uuid
     where ${inRange}
     group by u.user_uuid`,
    params,
  );
  const features = await reader.rows(`select feature, display_name from ${reader.mart('dim_features')}`);

  const used = new Set(byFeature.map((r) => String(r.feature)));
  const featureColumns: Column[] = features
    .filter((r) => used.has(String(r.feature)))
    .map((r) => ({ key: `f_${r.feature}`, label: String(toText(r.display_name)), format: 'int' }));
  const rows: TableRow[] = users.map((u) => ({
    user_uuid: String(u.user_uuid),
    // Users who act without being members have no name in Bitbucket's listing.
    name: toText(u.display_name) ?? toText(u.nickname) ?? `Not a member ${String(u.user_uuid).slice(0, 9)}…}`,
    active_days: toNumber(u.active_days),
    total: 0,
    ...Object.fromEntries(featureColumns.map((c) => [c.key, 0])),
  }));
  const byUser = new Map(rows.map((r) => [r.user_uuid, r]));
  for (const r of byFeature) {
    const row = byUser.get(String(r.user_uuid));
    if (!row) continue;
    const events = toNumber(r.events) ?? 0;
    row[`f_${r.feature}`] = events;
    row.total = (row.total as number) + events;
  }
  rows.sort(
    (a, b) => (b.total as number) - (a.total as number) || String(a.name).localeCompare(String(b.name)),
  );

  const top = rows.slice(0, CHART_USERS);
  const chart: Chart = {
    id: 'usage-chart',
    kind: 'bar',
    title: `Actions per user and feature${rows.length > CHART_USERS ? `, the ${CHART_USERS} most active users` : ''}`,
    labels: top.map((r) => String(r.name)),
    series: featureColumns.map((c) => ({
      label: c.label,
      data: top.map((r) => r[c.key] as number),
    })),
    stacked: true,
    horizontal: true,
    unit: 'actions',
    counts: true,
  };
  const totals = featureColumns
    .map((c) => ({ label: c.label, events: sum(rows.map((r) => r[c.key] as number)) }))
    .sort((a, b) => b.events - a.events);
  const who = f.team ? `team ${f.team.name}` : f.workspace.key;
  return {
    kpis: [
      martKpi(MART, 'user_uuid', {
        metric: 'active_users',
        label: 'Active users',
        value: rows.length,
        format: 'int',
      }),
      martKpi(MART, 'events', {
        metric: 'events',
        label: 'Actions',
        value: sum(rows.map((r) => r.total as number)),
        format: 'int',
      }),
      martKpi(MART, 'events', {
        metric: 'median_events',
        label: 'Median actions per active user',
        value: median(rows.map((r) => r.total as number)),
        format: 'num',
      }),
      { metric: 'top_feature', label: 'Most used feature', value: totals[0]?.label ?? null, format: 'text' },
    ],
    notes: f.team ? [`Members of ${f.team.name} now; actions from before they joined count too.`] : [],
    sections: [
      {
        heading: `Who uses what: ${who}`,
        chart,
        table: chartTable(chart, { key: 'user', label: 'User', format: 'text' }, 'int'),
      },
      {
        heading: 'Every active user',
        table: {
          id: 'usage-users',
          caption: `Actions per user and feature, ${f.from} to ${f.to}`,
          columns: [
            martColumn('dim_users', 'display_name', 'User', 'text', 'name'),
            martColumn(MART, 'events', 'Actions', 'int', 'total'),
            martColumn(MART, 'activity_date', 'Active days', 'int', 'active_days'),
            ...featureColumns,
          ],
          rows,
          empty: 'Nobody acted in this range.',
        },
      },
    ],
  };
}
