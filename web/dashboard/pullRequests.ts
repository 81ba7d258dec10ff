// Pull-request flow: the pull requests merged in the range (fct_pull_requests), week by week (the
// UTC week of the merge), as the median hours of each part of their cycle — coding, pickup,
// review, merge — and of the whole; optionally narrowed to a project's repositories.

import { median } from '../../lib/median';
import { toDate } from '../../warehouse/jsonValues';
import { addDays, startOfDay, utcDay, weekStart, weekStarts } from './days';
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import type { Chart, PageModel } from './model';
import { groupBy, ratio } from './stats';

const PHASES = [
  { column: 'coding_hours', label: 'Coding' },
  { column: 'pickup_hours', label: 'Pickup' },
  { column: 'review_hours', label: 'Review' },
  { column: 'merge_hours', label: 'Merge' },
] as const;
const HOURS = [...PHASES.map((p) => p.column), 'cycle_hours'] as const;
type Hours = Record<(typeof HOURS)[number], number | null>;

const SLOWEST = 10;

const MART = 'fct_pull_requests';
const hoursColumn = (column: string, label: string) => martColumn(MART, column, label, 'num');

export async function loadPullRequests(reader: MartReader, f: Filters): Promise<PageModel> {
  const projectFilter = f.project ? 'and r.project_uuid = $4' : '';
  const params = [
    f.workspace.uuid,
    startOfDay(f.from),
    startOfDay(addDays(f.to, 1)),
    ...(f.project ? [f.project.uuid] : []),
  ];
  const merged = await reader.rows(
    `select p.pr_id, p.title, r.name as repository, p.merged_at, ${HOURS.map((h) => `p.${h}`).join(', ')}
     from ${reader.mart('fct_pull_requests')} p
     left join ${reader.mart('dim_repositories')} r on r.repository_uuid = p.repository_uuid
     where p.workspace_uuid = $1 and p.state = 'MERGED' and p.merged_at >= $2 and p.merged_at < $3 ${projectFilter}`,
    params,
  );
  const [opened] = await reader.rows(
    `select count(*) as n
     from ${reader.mart('fct_pull_requests')} p
     left join ${reader.mart('dim_repositories')} r on r.repository_uuid = p.repository_uuid
     where p.workspace_uuid = $1 and p.created_at >= $2 and p.created_at < $3 ${projectFilter}`,
    params,
  );
  const prs = merged.map((r) => ({
    pr_id: toNumber(r.pr_id),
    title: toText(r.title),
    repository: toText(r.repository),
    week: weekStart(utcDay(toDate(r.merged_at) as Date)),
    ...(Object.fromEntries(HOURS.map((h) => [h, toNumber(r[h])])) as Hours),
  }));
  const medians = (group: Hours[]) =>
    Object.fromEntries(HOURS.map((h) => [h, median(group.map((p) => p[h]))])) as Hours;

  const byWeek = groupBy(prs, (p) => p.week);
  const weeks = weekStarts(f.from, f.to).map((week) => {
    const group = byWeek.get(week) ?? [];
    return { week, merged: group.length, ...medians(group) };
  });
  const chart: Chart = {
    id: 'flow-chart',
    kind: 'bar',
    title: 'Median hours of each phase of merged pull requests, by week of merge',
    labels: weeks.map((w) => w.week),
    series: [
      ...PHASES.map((p) => ({ label: `${p.label} (median)`, data: weeks.map((w) => w[p.column]) })),
      { label: 'Cycle (median)', data: weeks.map((w) => w.cycle_hours), line: true },
    ],
    stacked: true,
    unit: 'hours',
  };
  const overall = medians(prs);
  const kpi = (column: (typeof HOURS)[number], label: string) =>
    martKpi(MART, column, {
      metric: column,
      label,
      value: overall[column],
      format: 'num',
      hint: 'median, hours',
    });
  return {
    kpis: [
      martKpi(MART, 'merged_at', { metric: 'merged', label: 'Merged', value: prs.length, format: 'int' }),
      martKpi(MART, 'created_at', {
        metric: 'opened',
        label: 'Opened',
        value: toNumber(opened?.n) ?? 0,
        format: 'int',
      }),
      kpi('cycle_hours', 'Cycle time'),
      kpi('pickup_hours', 'Pickup time'),
      kpi('review_hours', 'Review time'),
      martKpi(MART, 'first_review_at', {
        metric: 'unreviewed_share',
        label: 'Merged without review',
        value: ratio(prs.filter((p) => p.pickup_hours === null).length, prs.length),
        format: 'pct',
      }),
    ],
    notes: ['Each phase’s median is taken on its own, so the phases do not add up to the median cycle time.'],
    sections: [
      {
        heading: 'Cycle time by week',
        chart,
        table: {
          id: 'flow-weeks',
          caption: 'Merged pull requests by week of merge (median hours)',
          columns: [
            { key: 'week', label: 'Week of', format: 'day' },
            { key: 'merged', label: 'Merged', format: 'int' },
            ...PHASES.map((p) => hoursColumn(p.column, p.label)),
            hoursColumn('cycle_hours', 'Cycle'),
          ],
          rows: weeks,
          empty: 'No weeks in this range.',
          collapsed: true,
        },
      },
      {
        heading: 'Slowest merged pull requests',
        table: {
          id: 'flow-slowest',
          caption: `The ${SLOWEST} merged pull requests with the longest cycle time`,
          columns: [
            martColumn('dim_repositories', 'name', 'Repository', 'text', 'repository'),
            martColumn(MART, 'pr_id', '#', 'text'),
            martColumn(MART, 'title', 'Title', 'text'),
            hoursColumn('cycle_hours', 'Cycle (h)'),
            ...PHASES.map((p) => hoursColumn(p.column, `${p.label} (h)`)),
          ],
          rows: [...prs].sort((a, b) => (b.cycle_hours ?? 0) - (a.cycle_hours ?? 0)).slice(0, SLOWEST),
          empty: 'No pull request was merged in this range.',
        },
      },
    ],
  };
}
