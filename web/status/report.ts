// Everything the status page shows, gathered in one pass: the connection and which streams it
// reads, per workspace × stream what landed and how fresh it is, the running backfills (from
// Temporal), the newest runs, errors and transform run (from the warehouse).
import type { ConnectionInfo } from '../../bitbucket/auth/tokenVault';
import type { StreamName } from '../../bitbucket/streams/catalog';
import { reasonText } from '../../bitbucket/streams/selection';
import { backfillEta, budgetPerHour, etaText, windowsToRead } from '../../client/backfillEta';
import { type RunningBackfill, runningBackfills, workflowUrl } from '../../client/launch';
import { listRuns, type RunRow } from '../../warehouse/ledger';
import {
  latestTransformRunId,
  type RecentError,
  recentErrors,
  type StreamErrorCount,
  type StreamLoad,
  streamErrorCounts,
  streamLoads,
  type WorkspaceRuns,
  workspaceRuns,
} from '../../warehouse/syncStatus';
import { listTransformRun } from '../../warehouse/transformLedger';
import type { WebContext } from '../context';
import { defaultRange } from './backfillForm';
import { duration, isStale, relativeTime, STALE_AFTER_INTERVALS } from './freshness';
import { summarizeTransformRun, type TransformSummary } from './transformSummary';

const RECENT_RUNS = 15;
const RECENT_ERRORS = 10;

export interface StreamStatus extends StreamLoad {
  errors: StreamErrorCount | undefined;
}

export interface WorkspaceStatus {
  /** Null: rows that no run of the ledger wrote. */
  workspace: string | null;
  runs: WorkspaceRuns | undefined;
  lastSuccessAgo: string | undefined;
  completeUntilAgo: string | undefined;
  stale: boolean;
  streams: StreamStatus[];
}

/** A stream the connection's runs read or not, and why in words. */
export interface StreamChoice {
  stream: StreamName;
  why: string;
}

export interface StatusReport {
  connection: ConnectionInfo;
  streamsOn: StreamChoice[];
  streamsOff: StreamChoice[];
  accessExpiresIn: string | undefined;
  /** Data older than this is stale. */
  staleAfterMinutes: number;
  workspaces: WorkspaceStatus[];
  /** `eta`: an estimate, from the requests left at the request budget's pace. */
  backfills: Array<RunningBackfill & { url?: string; percent: number; windowsToRead: number; eta: string }>;
  /** Why the running backfills could not be listed (Temporal unreachable …). */
  backfillsUnavailable: string | undefined;
  runs: Array<RunRow & { url?: string; took?: string }>;
  errors: RecentError[];
  transform: TransformSummary | undefined;
  backfillDefaults: { since: string; until: string };
}

/** The connection's workspaces first (in its order), then any other the warehouse has seen. */
function workspaceNames(connection: ConnectionInfo, runs: WorkspaceRuns[], loads: StreamLoad[]) {
  const names = new Set<string | null>(connection.workspaces);
  for (const r of runs) names.add(r.workspace);
  for (const l of loads) names.add(l.workspace);
  // Rows outside any run go last.
  return [...names].sort((a, b) => Number(a === null) - Number(b === null));
}

async function listBackfills(
  ctx: WebContext,
  connectionId: string,
): Promise<Pick<StatusReport, 'backfills' | 'backfillsUnavailable'>> {
  const target = ctx.deps.workflows;
  try {
    const running = await runningBackfills(target, connectionId);
    const ratePerHour = running.length
      ? await budgetPerHour(ctx.deps.services.db, ctx.deps.config.bitbucket)
      : 0;
    return {
      backfills: running.map((b) => {
        const toRead = b.progress ? windowsToRead(b.progress) : 0;
        return {
          ...b,
          url: workflowUrl(target, b.workflowId),
          windowsToRead: toRead,
          percent: b.progress && toRead ? b.progress.windowsDone / toRead : 0,
          eta: etaText(backfillEta(b.progress, ratePerHour)),
        };
      }),
      backfillsUnavailable: undefined,
    };
  } catch (err) {
    ctx.deps.services.log.warn({ err }, 'status page: cannot list running backfills');
    return { backfills: [], backfillsUnavailable: `Temporal did not answer: ${(err as Error).message}` };
  }
}

async function lastTransform(ctx: WebContext): Promise<TransformSummary | undefined> {
  const { db } = ctx.deps.services;
  const runId = await latestTransformRunId(db);
  return runId ? summarizeTransformRun(await listTransformRun(db, runId)) : undefined;
}

/** The status of one connection (and the warehouse's last transform run, shared by all). */
export async function loadStatusReport(ctx: WebContext, id: string): Promise<StatusReport> {
  const { db, vault } = ctx.deps.services;
  const { sync } = ctx.deps.config;
  const now = ctx.now();
  const [connection, streams, wsRuns, loads, errorCounts, runs, errors, transform, backfills] =
    await Promise.all([
      vault.status(id),
      ctx.deps.services.streamsOf(id),
      workspaceRuns(db, id),
      streamLoads(db, id),
      streamErrorCounts(db, id),
      listRuns(db, { connectionId: id, limit: RECENT_RUNS }),
      recentErrors(db, id, RECENT_ERRORS),
      lastTransform(ctx),
      listBackfills(ctx, id),
    ]);
  const ago = (at: Date | null | undefined) => (at ? relativeTime(at, now) : undefined);
  const workspaces = workspaceNames(connection, wsRuns, loads).map((workspace): WorkspaceStatus => {
    const ran = wsRuns.find((r) => r.workspace === workspace);
    const ofWorkspace = <T extends { workspace: string | null }>(rows: T[]) =>
      rows.filter((r) => r.workspace === workspace);
    const streamErrors = ofWorkspace(errorCounts);
    const loaded = ofWorkspace(loads);
    // Streams with errors but no rows still get a line.
    const streams = [
      ...new Set([...loaded.map((l) => l.stream), ...streamErrors.map((e) => e.stream ?? '')]),
    ].sort();
    return {
      workspace,
      runs: ran,
      lastSuccessAgo: ago(ran?.lastSuccessAt),
      completeUntilAgo: ago(ran?.completeUntil),
      stale: workspace !== null && isStale(ran?.lastSuccessAt ?? null, now, sync.intervalMinutes),
      streams: streams.map((stream) => ({
        ...(loaded.find((l) => l.stream === stream) ?? {
          workspace,
          stream,
          records: 0,
          lastRunRecords: 0,
          newestUpdatedOn: null,
          lastLoadedAt: null,
        }),
        errors: streamErrors.find((e) => (e.stream ?? '') === stream),
      })),
    };
  });
  const choices = (on: boolean) =>
    streams.filter((s) => s.on === on).map((s) => ({ stream: s.stream, why: reasonText(s) }));
  return {
    connection,
    streamsOn: choices(true),
    streamsOff: choices(false),
    accessExpiresIn: ago(connection.accessExpiresAt),
    staleAfterMinutes: STALE_AFTER_INTERVALS * sync.intervalMinutes,
    workspaces,
    ...backfills,
    runs: runs.map((run) => ({
      ...run,
      url: run.workflowId ? workflowUrl(ctx.deps.workflows, run.workflowId) : undefined,
      took: run.finishedAt ? duration(run.startedAt, run.finishedAt) : undefined,
    })),
    errors,
    transform,
    backfillDefaults: defaultRange(now, sync.initialBackfillDays),
  };
}
