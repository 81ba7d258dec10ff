// DORA's four key metrics for one environment type: month by month as fct_dora_monthly has them,
// and over the whole range from the deployments themselves (fct_deployments), because a median
// or a frequency over several months cannot be put together from monthly figures.

import { median } from '../../lib/median';
import { toDate } from '../../warehouse/jsonValues';
import { addDays, daysBetween, monthStart, startOfDay, utcDay } from './days';
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import type { Chart, Column, Format, Kpi, PageModel } from './model';
import { ratio } from './stats';

const MART = 'fct_dora_monthly';
const MONTHLY: Array<[string, string, Format]> = [
  ['deployments', 'Deployments', 'int'],
  ['successful_deployments', 'Successful', 'int'],
  ['failed_deployments', 'Failed', 'int'],
  ['deployment_frequency_per_week', 'Deployment days per week', 'num'],
  ['median_lead_time_hours', 'Median lead time (h)', 'num'],
  ['change_failure_rate', 'Change failure rate', 'pct'],
  ['median_time_to_restore_hours', 'Median time to restore (h)', 'num'],
];

async function rangeKpis(reader: MartReader, f: Filters): Promise<Kpi[]> {
  // A deployment belongs to when it completed (a running one: when it started), as in the monthly mart.
  const rows = await reader.rows(
    `select is_successful, is_failure, completed_on, lead_time_hours, time_to_restore_hours
     from ${reader.mart('fct_deployments')}
     where workspace_uuid = $1 and environment_type = $2
       and coalesce(completed_on, started_on) >= $3 and coalesce(completed_on, started_on) < $4`,
    [f.workspace.uuid, f.environment, startOfDay(f.from), startOfDay(addDays(f.to, 1))],
  );
  const deployments = rows.map((r) => ({
    successful: r.is_successful === true,
    failed: r.is_failure === true,
    completedOn: toDate(r.completed_on),
    leadTime: toNumber(r.lead_time_hours),
    restore: toNumber(r.time_to_restore_hours),
  }));
  const finished = deployments.filter((d) => d.completedOn !== null).length;
  const deploymentDays = new Set(
    deployments.filter((d) => d.successful && d.completedOn).map((d) => utcDay(d.completedOn as Date)),
  ).size;
  const rangeDays = daysBetween(f.from, f.asOf) + 1;
  /** A tile of the range, named and linked like the monthly mart's column. */
  const dora = (column: string, label: string, value: number | null, format: Format, hint: string) =>
    martKpi(MART, column, { metric: column, label, value, format, hint });
  return [
    dora('deployments', 'Deployments', deployments.length, 'int', `${f.environment}, any state`),
    dora(
      'deployment_frequency_per_week',
      'Deployment frequency',
      rangeDays > 0 ? (deploymentDays * 7) / rangeDays : null,
      'num',
      'days with a successful deployment, per week',
    ),
    dora(
      'median_lead_time_hours',
      'Lead time for changes',
      median(deployments.map((d) => d.leadTime)),
      'num',
      'median, hours',
    ),
    dora(
      'change_failure_rate',
      'Change failure rate',
      ratio(deployments.filter((d) => d.failed).length, finished),
      'pct',
      'failed ÷ finished',
    ),
    dora(
      'median_time_to_restore_hours',
      'Time to restore',
      median(deployments.map((d) => d.restore)),
      'num',
      'median, hours',
    ),
  ];
}

export async function loadDora(reader: MartReader, f: Filters): Promise<PageModel> {
  const rows = await reader.rows(
    `select ${reader.day('month_start')} as month_start, ${MONTHLY.map(([c]) => c).join(', ')}
     from ${reader.mart(MART)}
     where workspace_uuid = $1 and environment_type = $2
       and month_start between cast($3 as date) and cast($4 as date)
     order by month_start`,
    [f.workspace.uuid, f.environment, monthStart(f.from), f.to],
  );
  const months = rows.map((r) => ({
    month_start: String(toText(r.month_start)),
    ...Object.fromEntries(MONTHLY.map(([c]) => [c, toNumber(r[c])])),
  })) as Array<{ month_start: string } & Record<string, number | null>>;
  // Every month of the range, so a month without deployments shows as none rather than vanishing.
  const byMonth = new Map(months.map((m) => [m.month_start, m]));
  const monthStarts: string[] = [];
  for (let m = monthStart(f.from); m <= f.to; m = monthStart(addDays(m, 31))) monthStarts.push(m);
  const labels = monthStarts.map((m) => m.slice(0, 7));
  /** A column month by month; `missing` for a month without a row. */
  const monthly = (column: string, missing: number | null) =>
    monthStarts.map((m) => byMonth.get(m)?.[column] ?? missing);
  const deploymentsChart: Chart = {
    id: 'dora-deployments',
    kind: 'bar',
    title: `${f.environment} deployments per month`,
    labels,
    series: [
      { label: 'Successful', data: monthly('successful_deployments', 0), tone: 'good' },
      { label: 'Failed', data: monthly('failed_deployments', 0), tone: 'bad' },
      {
        label: 'Other (running, stopped)',
        data: monthStarts.map((start) => {
          const m = byMonth.get(start);
          return (m?.deployments ?? 0) - (m?.successful_deployments ?? 0) - (m?.failed_deployments ?? 0);
        }),
        tone: 'neutral',
      },
    ],
    stacked: true,
    unit: 'deployments',
    counts: true,
  };
  const hoursChart: Chart = {
    id: 'dora-hours',
    kind: 'line',
    title: `${f.environment}: median lead time and time to restore per month`,
    labels,
    series: [
      { label: 'Median lead time', data: monthly('median_lead_time_hours', null) },
      { label: 'Median time to restore', data: monthly('median_time_to_restore_hours', null) },
    ],
    unit: 'hours',
  };
  const columns: Column[] = [
    martColumn(MART, 'month_start', 'Month', 'day'),
    ...MONTHLY.map(([key, label, format]) => martColumn(MART, key, label, format)),
  ];
  return {
    kpis: await rangeKpis(reader, f),
    notes: [
      `Tiles: ${f.from} to ${f.to}, from the deployments themselves. Charts and table: whole calendar months, as fct_dora_monthly has them; months without a deployment have no row.`,
    ],
    sections: [
      { heading: 'Deployments', chart: deploymentsChart },
      { heading: 'Lead time and time to restore', chart: hoursChart },
      {
        heading: 'Month by month',
        table: {
          id: 'dora-months',
          caption: `DORA metrics per month, ${f.environment}`,
          columns,
          rows: months,
          empty: `No ${f.environment} deployment in this range.`,
        },
      },
    ],
  };
}
