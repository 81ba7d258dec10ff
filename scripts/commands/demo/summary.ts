// The demo's closing summary, read from the marts as of the data's own last day: per workspace,
// seats and their use, the most used features, pull-request cycle time and pipeline minutes.

import { median } from '../../../lib/median';
import type { WarehouseEngine } from '../../../warehouse/engine';
import { MartReader, toNumber, toText } from '../../../web/dashboard/marts';
import { loadScope, type Workspace } from '../../../web/dashboard/scope';

export interface WorkspaceSummary {
  /** The slug. */
  workspace: string;
  /** The display name, when Bitbucket gave one. */
  workspaceName: string | null;
  seats: number;
  activeUsers30d: number;
  idleSeats30d: number;
  utilization30d: number | null;
  topFeatures: Array<{ feature: string; events: number }>;
  mergedPullRequests90d: number;
  medianCycleHours90d: number | null;
  pipelineRuns30d: number;
  buildMinutes30d: number;
}

export interface DemoSummary {
  asOf: string;
  workspaces: WorkspaceSummary[];
}

const daysBefore = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

async function summarize(
  reader: MartReader,
  { uuid, key, name }: Workspace,
  asOf: string,
): Promise<WorkspaceSummary> {
  const from30 = daysBefore(asOf, 29);
  const [seats] = await reader.rows(
    `select seats, active_users_30d, idle_seats_30d, seat_utilization_30d
     from ${reader.mart('fct_seat_utilization_daily')} where workspace_uuid = $1 and date_day = $2`,
    [uuid, asOf],
  );
  const features = await reader.rows(
    `select feature, sum(events) as events from ${reader.mart('fct_feature_usage_daily')}
     where workspace_uuid = $1 and activity_date between $2 and $3
     group by feature order by sum(events) desc, feature limit 3`,
    [uuid, from30, asOf],
  );
  const merged = await reader.rows(
    `select cycle_hours from ${reader.mart('fct_pull_requests')}
     where workspace_uuid = $1 and merged_at >= $2 and merged_at < $3`,
    [uuid, `${daysBefore(asOf, 89)}T00:00:00Z`, `${daysBefore(asOf, -1)}T00:00:00Z`],
  );
  const [pipelines] = await reader.rows(
    `select sum(runs) as runs, sum(build_minutes) as build_minutes from ${reader.mart('fct_pipeline_usage_daily')}
     where workspace_uuid = $1 and run_date between $2 and $3`,
    [uuid, from30, asOf],
  );
  return {
    workspace: key,
    workspaceName: name,
    seats: toNumber(seats?.seats) ?? 0,
    activeUsers30d: toNumber(seats?.active_users_30d) ?? 0,
    idleSeats30d: toNumber(seats?.idle_seats_30d) ?? 0,
    utilization30d: toNumber(seats?.seat_utilization_30d),
    topFeatures: features.map((f) => ({ feature: toText(f.feature) ?? '', events: toNumber(f.events) ?? 0 })),
    mergedPullRequests90d: merged.length,
    medianCycleHours90d: median(merged.map((r) => toNumber(r.cycle_hours))),
    pipelineRuns30d: toNumber(pipelines?.runs) ?? 0,
    buildMinutes30d: toNumber(pipelines?.build_minutes) ?? 0,
  };
}

/** Undefined when the marts hold no data yet. */
export async function demoSummary(db: WarehouseEngine): Promise<DemoSummary | undefined> {
  const reader = new MartReader(db);
  const scope = await loadScope(reader);
  if (!scope) return undefined;
  const workspaces: WorkspaceSummary[] = [];
  for (const w of scope.workspaces) workspaces.push(await summarize(reader, w, scope.lastDay));
  return { asOf: scope.lastDay, workspaces };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

export function formatSummary(summary: DemoSummary): string {
  const lines = [`Summary (data as of ${summary.asOf}):`];
  for (const w of summary.workspaces) {
    const utilization = w.utilization30d === null ? 'n/a' : `${(w.utilization30d * 100).toFixed(1)}%`;
    lines.push(
      `  ${w.workspaceName ? `${w.workspaceName} (${w.workspace})` : w.workspace}: ${n(w.seats)} seats · ${n(w.activeUsers30d)} active users (30 days) · ${n(w.idleSeats30d)} idle seats · utilization ${utilization}`,
      `    top features (30 days): ${w.topFeatures.map((f) => `${f.feature} ${n(f.events)}`).join(' · ') || 'none'}`,
      `    PR cycle time (90 days): ${
        w.medianCycleHours90d === null
          ? 'no merged pull requests'
          : `median ${w.medianCycleHours90d.toFixed(1)} h`
      } over ${n(w.mergedPullRequests90d)} merged pull requests`,
      `    pipelines (30 days): ${n(w.buildMinutes30d)} build minutes in ${n(w.pipelineRuns30d)} runs`,
    );
  }
  return lines.join('\n');
}
