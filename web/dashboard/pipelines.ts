// Pipeline minutes: Bitbucket Pipelines build minutes and runs per repository and trigger
// (fct_pipeline_usage_daily, repositories named through dim_repositories), and week by week;
// optionally narrowed to a project's repositories.
import { weekStart, weekStarts } from './days';
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import { type Chart, chartTable, type PageModel } from './model';
import { groupBy, ratio, sum } from './stats';

const MART = 'fct_pipeline_usage_daily';

/** Runs Bitbucket sent without a trigger have a null trigger_name: a label of their own, not "null". */
const triggerLabel = (value: unknown) => toText(value) ?? 'no trigger';

/** One series per trigger over `labels`, from rows carrying a label, a trigger and a value. */
function byTrigger(
  rows: Array<{ label: string; trigger: string; value: number }>,
  labels: string[],
): Chart['series'] {
  // Triggers in one order on every chart, so each keeps its colour.
  return [...groupBy(rows, (r) => r.trigger)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([trigger, triggerRows]) => {
      const totals = new Map<string, number>();
      for (const r of triggerRows) totals.set(r.label, (totals.get(r.label) ?? 0) + r.value);
      return { label: trigger, data: labels.map((l) => totals.get(l) ?? null) };
    });
}

export async function loadPipelines(reader: MartReader, f: Filters): Promise<PageModel> {
  const from = `from ${reader.mart(MART)} p
     left join ${reader.mart('dim_repositories')} r on r.repository_uuid = p.repository_uuid
     where p.workspace_uuid = $1 and p.run_date between cast($2 as date) and cast($3 as date)
     ${f.project ? 'and r.project_uuid = $4' : ''}`;
  const params = [f.workspace.uuid, f.from, f.to, ...(f.project ? [f.project.uuid] : [])];
  const repoRows = await reader.rows(
    `select p.repository_uuid, r.name, p.trigger_name, sum(p.runs) as runs,
       sum(case when p.result = 'SUCCESSFUL' then p.runs else 0 end) as successful,
       sum(case when p.result in ('FAILED', 'ERROR') then p.runs else 0 end) as failed,
       sum(p.build_minutes) as build_minutes, sum(p.duration_minutes) as duration_minutes
     ${from}
     group by p.repository_uuid, r.name, p.trigger_name`,
    params,
  );
  const dayRows = await reader.rows(
    `select ${reader.day('p.run_date')} as run_date, p.trigger_name, sum(p.build_minutes) as build_minutes
     ${from}
     group by p.run_date, p.trigger_name`,
    params,
  );

  const runs = repoRows.map((r) => ({
    // A repository's display name comes from outside: the template escapes it like any text.
    repository: toText(r.name) ?? String(r.repository_uuid),
    trigger_name: triggerLabel(r.trigger_name),
    runs: toNumber(r.runs) ?? 0,
    successful: toNumber(r.successful) ?? 0,
    failed: toNumber(r.failed) ?? 0,
    build_minutes: toNumber(r.build_minutes) ?? 0,
    duration_minutes: toNumber(r.duration_minutes) ?? 0,
  }));
  const minutesByRepo = new Map(
    [...groupBy(runs, (r) => r.repository)].map(([repo, rows]) => [
      repo,
      sum(rows.map((r) => r.build_minutes)),
    ]),
  );
  const repositories = [...minutesByRepo.keys()].sort(
    (a, b) => (minutesByRepo.get(b) ?? 0) - (minutesByRepo.get(a) ?? 0) || a.localeCompare(b),
  );
  runs.sort(
    (a, b) =>
      repositories.indexOf(a.repository) - repositories.indexOf(b.repository) ||
      b.build_minutes - a.build_minutes,
  );
  const repoChart: Chart = {
    id: 'pipelines-by-repository',
    kind: 'bar',
    title: 'Build minutes per repository and trigger',
    labels: repositories,
    series: byTrigger(
      runs.map((r) => ({ label: r.repository, trigger: r.trigger_name, value: r.build_minutes })),
      repositories,
    ),
    stacked: true,
    horizontal: true,
    unit: 'build minutes',
  };
  const weekly = dayRows.map((r) => ({
    label: weekStart(String(toText(r.run_date))),
    trigger: triggerLabel(r.trigger_name),
    value: toNumber(r.build_minutes) ?? 0,
  }));
  const weeks = weekStarts(f.from, f.to);
  const weekChart: Chart = {
    id: 'pipelines-by-week',
    kind: 'bar',
    title: 'Build minutes per week and trigger',
    labels: weeks,
    series: byTrigger(weekly, weeks),
    stacked: true,
    unit: 'build minutes',
  };
  const totalRuns = sum(runs.map((r) => r.runs));
  return {
    kpis: [
      martKpi(MART, 'build_minutes', {
        metric: 'build_minutes',
        label: 'Build minutes',
        value: sum(runs.map((r) => r.build_minutes)),
        format: 'num',
      }),
      martKpi(MART, 'runs', { metric: 'runs', label: 'Runs', value: totalRuns, format: 'int' }),
      martKpi(MART, 'result', {
        metric: 'failed_share',
        label: 'Failed runs',
        value: ratio(sum(runs.map((r) => r.failed)), totalRuns),
        format: 'pct',
        hint: 'FAILED or ERROR',
      }),
      martKpi(MART, 'repository_uuid', {
        metric: 'repositories',
        label: 'Repositories with runs',
        value: repositories.length,
        format: 'int',
      }),
    ],
    notes: ['Minutes count completed runs only; runs still going count once they complete.'],
    sections: [
      {
        heading: 'Minutes by repository',
        chart: repoChart,
        table: {
          id: 'pipelines-runs',
          caption: `Runs and minutes per repository and trigger, ${f.from} to ${f.to}`,
          columns: [
            martColumn('dim_repositories', 'name', 'Repository', 'text', 'repository'),
            martColumn(MART, 'trigger_name', 'Trigger', 'text'),
            martColumn(MART, 'runs', 'Runs', 'int'),
            martColumn(MART, 'result', 'Successful', 'int', 'successful'),
            martColumn(MART, 'result', 'Failed', 'int', 'failed'),
            martColumn(MART, 'build_minutes', 'Build minutes', 'num'),
            martColumn(MART, 'duration_minutes', 'Duration minutes', 'num'),
          ],
          rows: runs,
          empty: 'No pipeline ran in this range.',
        },
      },
      {
        heading: 'Minutes by week',
        chart: weekChart,
        table: chartTable(weekChart, { key: 'week', label: 'Week of', format: 'day' }, 'num'),
      },
    ],
  };
}
