// Request economy: what a backfill and an incremental sync cost in Bitbucket requests, per stream,
// side by side on one sandbox:
// - bbetl as it runs by default;
// - bbetl reading every list (every stream on, no list skipped: `--read-every-list`);
// - every list read once at its largest page, computed from the sandbox's ground truth (what
//   any tool that reads every list must spend at least);
// - the dlt peer (bench/peer.ts), when it can run.
// In production the API is the pace (about 1,000 requests an hour per OAuth consumer), so the
// table also says how many hours of budget each takes.
import { STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { OFF_BY_DEFAULT } from '../bitbucket/streams/plan';
import { CLOCK_ADVANCE_HOURS } from './incremental';
import { benchPeer } from './peer';
import { type Engine, openPipeline, type RunMeasure, type Scale } from './pipeline';
import { startSandboxProcess } from './sandboxProcess';

/** What the sandbox's route patterns read, as the stream they belong to (or what else they are). */
const ROUTES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/2\.0\/user\/workspaces$/, 'workspaces'],
  [/^\/2\.0\/workspaces\/:workspace$/, 'workspace (one)'],
  [/\/members$/, 'members'],
  [/^\/2\.0\/workspaces\/:workspace\/permissions$/, 'permissions'],
  [/\/projects$/, 'projects'],
  [/\/permissions-config\/groups$/, 'project_group_permissions'],
  [/\/permissions-config\/users$/, 'project_user_permissions'],
  [/^\/1\.0\/groups\//, 'group_members'],
  [/^\/2\.0\/repositories\/:workspace$/, 'repositories'],
  [/^\/2\.0\/repositories\/:workspace\/:repo_slug$/, 'repository (one)'],
  [/\/refs\/branches$/, 'branches'],
  [/:repo_slug\/commits$/, 'commits'],
  [/\/pullrequests$/, 'pullrequests'],
  [/\/pullrequests\/activity$/, 'pr_activity'],
  [/\/pullrequests\/:pull_request_id\/activity$/, 'pr_activity'],
  [/\/pullrequests\/:pull_request_id\/comments$/, 'pr_comments'],
  [/\/pullrequests\/:pull_request_id\/commits$/, 'pr_commits'],
  [/\/pullrequests\/:pull_request_id\/tasks$/, 'pr_tasks'],
  [/\/pipelines$/, 'pipelines'],
  [/\/pipelines\/:pipeline_uuid$/, 'pipelines (one)'],
  [/\/steps$/, 'pipeline_steps'],
  [/\/environments$/, 'environments'],
  [/\/deployments$/, 'deployments'],
  [/\/deployments\/:deployment_uuid$/, 'deployments (one)'],
];

function byStream(byRoute: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [route, n] of Object.entries(byRoute)) {
    const name = ROUTES.find(([pattern]) => pattern.test(route))?.[1] ?? route;
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

/**
 * Every list read once at its largest page: per list max(1, ⌈records / pagelen⌉), one request per
 * API 1.0 answer, the user's workspace list once, and GET /workspaces/{ws} once per workspace.
 */
function everyListOnce(lists: ReadonlyArray<Record<string, number[]>>): Map<string, number> {
  const out = new Map<string, number>([
    ['workspaces', 1],
    ['workspace (one)', lists.length],
  ]);
  for (const name of Object.keys(STREAMS) as StreamName[]) {
    if (name === 'workspaces') continue;
    const def = STREAMS[name];
    const pages = lists
      .flatMap((ws) => ws[name] ?? [])
      .reduce((sum, n) => sum + (def.legacy ? 1 : Math.max(1, Math.ceil(n / def.maxPagelen))), 0);
    out.set(name, pages);
  }
  return out;
}

export interface RequestsBenchResult {
  scale: Scale;
  engine: Engine;
  /** Per stream: [bbetl, bbetl reading every list, every list once (ground truth), dlt or null]. */
  backfill: Record<string, [number, number, number, number | null]>;
  totals: { bbetl: number; readEveryList: number; everyListOnce: number; dlt: number | null };
  /** bbetl's backfill requests ÷ every list read once. */
  ratioToEveryListOnce: number;
  hoursAt1000PerHour: { bbetl: number; everyListOnce: number };
  hoursAt10000PerHour: { bbetl: number; everyListOnce: number };
  incremental: {
    clockAdvanceHours: number;
    bbetl: number;
    readEveryList: number;
    /** bbetl's incremental requests ÷ its backfill's. */
    shareOfBackfill: string;
    byStream: Record<string, [number, number]>;
  };
  dltNotRun?: string;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const hours = (requests: number, perHour: number) => Number((requests / perHour).toFixed(1));

export async function benchRequests(scale: Scale, engine: Engine): Promise<RequestsBenchResult> {
  const sandbox = await startSandboxProcess(scale);
  try {
    const truth = everyListOnce(
      await Promise.all(sandbox.urls.workspaces.map((ws) => sandbox.listSizes(ws))),
    );
    const everyStreamOn = OFF_BY_DEFAULT.map((s) => `+${s}`).join(',');
    const economical = await openPipeline({ engine, sandbox, label: 'req_default' });
    const thorough = await openPipeline({
      engine,
      sandbox,
      label: 'req_every',
      env: { BBETL_STREAMS: everyStreamOn },
    });
    try {
      const runs: Record<'bbetl' | 'readEveryList', RunMeasure> = {
        bbetl: await economical.backfill(),
        readEveryList: await thorough.backfill(undefined, { readEveryList: true }),
      };
      let dlt: Map<string, number> | undefined;
      let dltNotRun: string | undefined;
      try {
        dlt = byStream((await benchPeer(sandbox)).byRoute);
      } catch (err) {
        dltNotRun = err instanceof Error ? err.message : String(err);
      }
      const advance = CLOCK_ADVANCE_HOURS[scale];
      await sandbox.advanceClock({ hours: advance });
      const later = {
        bbetl: await economical.incremental(),
        readEveryList: await thorough.incremental({ readEveryList: true }),
      };
      const ours = byStream(runs.bbetl.byRoute);
      const every = byStream(runs.readEveryList.byRoute);
      const names = [...new Set([...truth.keys(), ...ours.keys(), ...every.keys()])];
      const backfill = Object.fromEntries(
        names.map((n) => [
          n,
          [ours.get(n) ?? 0, every.get(n) ?? 0, truth.get(n) ?? 0, dlt ? (dlt.get(n) ?? 0) : null],
        ]),
      ) as RequestsBenchResult['backfill'];
      const laterOurs = byStream(later.bbetl.byRoute);
      const laterEvery = byStream(later.readEveryList.byRoute);
      const laterNames = [...new Set([...laterOurs.keys(), ...laterEvery.keys()])];
      const bbetl = total(ours);
      const onceTotal = total(truth);
      return {
        scale,
        engine,
        backfill,
        totals: {
          bbetl,
          readEveryList: total(every),
          everyListOnce: onceTotal,
          dlt: dlt ? total(dlt) : null,
        },
        ratioToEveryListOnce: Number((bbetl / onceTotal).toFixed(3)),
        hoursAt1000PerHour: { bbetl: hours(bbetl, 1000), everyListOnce: hours(onceTotal, 1000) },
        hoursAt10000PerHour: { bbetl: hours(bbetl, 10_000), everyListOnce: hours(onceTotal, 10_000) },
        incremental: {
          clockAdvanceHours: advance,
          bbetl: later.bbetl.requests,
          readEveryList: later.readEveryList.requests,
          shareOfBackfill: `${((100 * later.bbetl.requests) / bbetl).toFixed(2)}%`,
          byStream: Object.fromEntries(
            laterNames.map((n) => [n, [laterOurs.get(n) ?? 0, laterEvery.get(n) ?? 0]]),
          ) as Record<string, [number, number]>,
        },
        ...(dltNotRun ? { dltNotRun } : {}),
      };
    } finally {
      await economical.close();
      await thorough.close();
    }
  } finally {
    sandbox.close();
  }
}

/** The result as Markdown: the per-stream table, then the totals. */
export function requestsTable(r: RequestsBenchResult): string {
  const cell = (n: number | null) => (n === null ? '–' : String(n));
  const rows = Object.entries(r.backfill)
    .sort(([, a], [, b]) => b[2] - a[2])
    .map(([name, [ours, every, once, dlt]]) => `| ${name} | ${ours} | ${every} | ${once} | ${cell(dlt)} |`);
  const inc = Object.entries(r.incremental.byStream)
    .sort(([, a], [, b]) => b[1] - a[1])
    .map(([name, [ours, every]]) => `| ${name} | ${ours} | ${every} |`);
  return [
    `## Requests by stream: backfill (${r.scale}, ${r.engine})`,
    '',
    '| stream | bbetl | bbetl, every list | every list once (ground truth) | dlt |',
    '|---|---|---|---|---|',
    ...rows,
    `| **total** | **${r.totals.bbetl}** | **${r.totals.readEveryList}** | **${r.totals.everyListOnce}** | **${cell(r.totals.dlt)}** |`,
    '',
    `bbetl ÷ every list once: **${r.ratioToEveryListOnce}**. Hours of budget at 1,000 requests/h: bbetl ${r.hoursAt1000PerHour.bbetl}, every list once ${r.hoursAt1000PerHour.everyListOnce}; at 10,000/h: ${r.hoursAt10000PerHour.bbetl} and ${r.hoursAt10000PerHour.everyListOnce}.${r.dltNotRun ? ` dlt not run: ${r.dltNotRun}` : ''}`,
    '',
    `## Requests by stream: incremental sync after ${r.incremental.clockAdvanceHours} sandbox hours`,
    '',
    '| stream | bbetl | bbetl, every list |',
    '|---|---|---|',
    ...inc,
    `| **total** | **${r.incremental.bbetl}** | **${r.incremental.readEveryList}** |`,
    '',
    `bbetl's incremental ÷ its backfill: **${r.incremental.shareOfBackfill}**.`,
    '',
  ].join('\n');
}
