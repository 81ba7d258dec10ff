// What the sync status page reads from the warehouse's own tables: per workspace the newest runs of
// the ledger, per workspace × raw stream the rows landed and the errors met, and the newest
// transform run. A raw row belongs to the workspace of the ledger run that last wrote it (its
// _run_id), so no Bitbucket id has to be mapped to a workspace here. Every query is one statement
// (one BigQuery job), aggregated in the warehouse.
import type { Row, WarehouseEngine } from './engine';
import { toDate } from './jsonValues';
import { RAW_STREAMS, rawTable } from './rawStreams';

export interface WorkspaceRuns {
  workspace: string;
  /** The newest run (by start), whatever its status. */
  latestRunId: string;
  latestStatus: string;
  /** The newest completed run (by finish); null when none completed yet. */
  lastSuccessRunId: string | null;
  lastSuccessAt: Date | null;
  lastSuccessRecords: number;
  /** How far the workspace's completed runs reach: the latest window end among them. */
  completeUntil: Date | null;
}

export interface StreamLoad {
  /** Null for rows no run of the ledger wrote (loaded outside a workflow). */
  workspace: string | null;
  stream: string;
  /** Live rows (not tombstoned). */
  records: number;
  /** Live rows the workspace's last completed run inserted or changed. */
  lastRunRecords: number;
  newestUpdatedOn: Date | null;
  lastLoadedAt: Date | null;
}

export interface StreamErrorCount {
  workspace: string | null;
  stream: string | null;
  total: number;
  /** Errors of the workspace's newest run. */
  latestRun: number;
  lastAt: Date;
}

export interface RecentError {
  workspace: string | null;
  stream: string | null;
  recordKey: string | null;
  kind: string;
  message: string;
  runId: string | null;
  occurredAt: Date;
}

/** Per workspace: the newest run and the newest completed one (row_number per workspace). */
const rankedRuns = (db: WarehouseEngine) => `
  select workspace, run_id, status, finished_at, records, window_until,
    row_number() over (partition by workspace order by started_at desc, run_id desc) as newest,
    row_number() over (
      partition by workspace, status = 'completed' order by finished_at desc, run_id desc
    ) as newest_of_status
  from ${db.table('etl_meta', 'runs')}
  where connection_id = $1 and workspace is not null`;

/** Text, or null for SQL NULL. */
const maybeText = (value: unknown) => (value === null || value === undefined ? null : String(value));

export async function workspaceRuns(db: WarehouseEngine, connectionId: string): Promise<WorkspaceRuns[]> {
  const rows = await db.query(
    `with ranked as (${rankedRuns(db)})
     select workspace,
       max(case when newest = 1 then run_id end) as latest_run_id,
       max(case when newest = 1 then status end) as latest_status,
       max(case when status = 'completed' and newest_of_status = 1 then run_id end) as ok_run_id,
       max(case when status = 'completed' and newest_of_status = 1 then finished_at end) as ok_at,
       max(case when status = 'completed' and newest_of_status = 1 then records end) as ok_records,
       max(case when status = 'completed' then window_until end) as complete_until
     from ranked group by workspace order by workspace`,
    [connectionId],
  );
  return rows.map((row) => ({
    workspace: String(row.workspace),
    latestRunId: String(row.latest_run_id),
    latestStatus: String(row.latest_status),
    lastSuccessRunId: maybeText(row.ok_run_id),
    lastSuccessAt: toDate(row.ok_at),
    lastSuccessRecords: Number(row.ok_records ?? 0),
    completeUntil: toDate(row.complete_until),
  }));
}

export async function streamLoads(db: WarehouseEngine, connectionId: string): Promise<StreamLoad[]> {
  // Grouped by run first, inside each raw table; then attributed to workspaces through the ledger.
  const perRun = RAW_STREAMS.map(
    (stream) => `
      select '${stream}' as stream, _run_id, count(*) as records, max(updated_on) as newest_updated_on,
        max(_extracted_at) as last_loaded_at
      from ${rawTable(db, stream)} where connection_id = $1 and _deleted_at is null group by _run_id`,
  ).join('\n union all ');
  const rows = await db.query(
    `with per_run as (${perRun}),
     ranked as (${rankedRuns(db)}),
     last_ok as (select workspace, run_id from ranked where status = 'completed' and newest_of_status = 1)
     select r.workspace, p.stream, sum(p.records) as records,
       sum(case when p._run_id = k.run_id then p.records else 0 end) as last_run_records,
       max(p.newest_updated_on) as newest_updated_on, max(p.last_loaded_at) as last_loaded_at
     from per_run p
       left join ${db.table('etl_meta', 'runs')} r on r.run_id = p._run_id
       left join last_ok k on k.workspace = r.workspace
     group by r.workspace, p.stream
     order by r.workspace, p.stream`,
    [connectionId],
  );
  return rows.map((row) => ({
    workspace: maybeText(row.workspace),
    stream: String(row.stream),
    records: Number(row.records),
    lastRunRecords: Number(row.last_run_records),
    newestUpdatedOn: toDate(row.newest_updated_on),
    lastLoadedAt: toDate(row.last_loaded_at),
  }));
}

const errorsWithWorkspace = (db: WarehouseEngine) => `
  ${db.table('etl_meta', 'errors')} e left join ${db.table('etl_meta', 'runs')} r on r.run_id = e.run_id`;

export async function streamErrorCounts(
  db: WarehouseEngine,
  connectionId: string,
): Promise<StreamErrorCount[]> {
  const rows = await db.query(
    `with ranked as (${rankedRuns(db)}),
     latest as (select workspace, run_id from ranked where newest = 1)
     select r.workspace, e.stream, count(*) as total,
       sum(case when e.run_id = l.run_id then 1 else 0 end) as latest_run, max(e.occurred_at) as last_at
     from ${errorsWithWorkspace(db)} left join latest l on l.workspace = r.workspace
     where e.connection_id = $1
     group by r.workspace, e.stream`,
    [connectionId],
  );
  return rows.map((row) => ({
    workspace: maybeText(row.workspace),
    stream: maybeText(row.stream),
    total: Number(row.total),
    latestRun: Number(row.latest_run),
    lastAt: toDate(row.last_at) as Date,
  }));
}

/** The connection's newest errors, newest first. */
export async function recentErrors(
  db: WarehouseEngine,
  connectionId: string,
  limit: number,
): Promise<RecentError[]> {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error('limit must be a non-negative integer');
  const rows = await db.query(
    `select r.workspace, e.stream, e.record_key, e.kind, e.message, e.run_id, e.occurred_at
     from ${errorsWithWorkspace(db)}
     where e.connection_id = $1
     order by e.occurred_at desc
     limit ${limit}`,
    [connectionId],
  );
  return rows.map((row: Row) => ({
    workspace: maybeText(row.workspace),
    stream: maybeText(row.stream),
    recordKey: maybeText(row.record_key),
    kind: String(row.kind),
    message: String(row.message),
    runId: maybeText(row.run_id),
    occurredAt: toDate(row.occurred_at) as Date,
  }));
}

/** The id of the transform run that started last, if any ran. */
export async function latestTransformRunId(db: WarehouseEngine): Promise<string | undefined> {
  const [row] = await db.query(
    `select transform_run_id from ${db.table('etl_meta', 'transform_runs')}
     order by started_at desc limit 1`,
  );
  return row ? String(row.transform_run_id) : undefined;
}

export interface WorkspaceLastSuccess {
  connectionId: string;
  workspace: string;
  /** When the workspace's newest completed run finished; null when none completed yet. */
  lastSuccessAt: Date | null;
}

/** Every connection's workspaces in the ledger, with their last successful sync (the metrics' freshness). */
export async function lastSuccessfulSyncs(db: WarehouseEngine): Promise<WorkspaceLastSuccess[]> {
  const rows = await db.query(
    `select connection_id, workspace, max(case when status = 'completed' then finished_at end) as last_success_at
     from ${db.table('etl_meta', 'runs')}
     where workspace is not null
     group by connection_id, workspace
     order by connection_id, workspace`,
  );
  return rows.map((row) => ({
    connectionId: String(row.connection_id),
    workspace: String(row.workspace),
    lastSuccessAt: toDate(row.last_success_at),
  }));
}
