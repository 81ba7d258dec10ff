// The run ledger: one row per extraction run in etl_meta.runs (started, then finished with its
// counters), and the record-level errors a run met in etl_meta.errors.
//
// Every write is safe to retry (Temporal retries activities): starting a run that exists changes
// nothing, finishing one sets the same values again. On BigQuery, optional values travel as ''
// and become NULL in SQL (BigQuery cannot bind an untyped null).
import type { Row, WarehouseEngine } from './engine';
import { canonicalJson, normalizeTimestamp, storableText, toDate } from './jsonValues';

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type FinalRunStatus = Exclude<RunStatus, 'running'>;

export interface StartRunInput {
  runId: string;
  connectionId: string;
  /** e.g. 'backfill', 'incremental'. */
  kind: string;
  workflowId?: string;
  workspace?: string;
  windowSince?: Date | string;
  windowUntil?: Date | string;
  /** Default now. */
  startedAt?: Date | string;
}

export interface RunCounters {
  records?: number;
  requests?: number;
  rateLimited?: number;
  errors?: number;
}

export interface FinishRunInput extends RunCounters {
  runId: string;
  status: FinalRunStatus;
  detail?: unknown;
  /** Default now. */
  finishedAt?: Date | string;
}

export interface RunRow {
  runId: string;
  connectionId: string;
  workflowId: string | null;
  kind: string;
  workspace: string | null;
  windowSince: Date | null;
  windowUntil: Date | null;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  records: number;
  requests: number;
  rateLimited: number;
  errors: number;
  detail: unknown;
}

export interface RecordErrorInput {
  connectionId: string;
  runId: string;
  stream: string;
  recordKey?: string;
  /** A short class: 'malformed', 'http', 'forbidden' … */
  kind: string;
  message: string;
  /** The offending input, as text (truncated by the caller if it wishes). */
  raw?: string;
  /** Default now. */
  occurredAt?: Date | string;
}

export interface ErrorRow {
  connectionId: string;
  runId: string | null;
  stream: string | null;
  recordKey: string | null;
  kind: string;
  message: string;
  raw: string | null;
  occurredAt: Date;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return storableText(value);
}

/** '' for none, else ISO-8601. */
function timestamp(value: Date | string | undefined, what: string): string {
  if (value === undefined) return '';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`invalid ${what}: Invalid Date`);
    return value.toISOString();
  }
  return normalizeTimestamp(value, what);
}

function count(value: number | undefined, what: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
}

const ts = (db: WarehouseEngine, param: string) =>
  db.dialect === 'bigquery' ? `timestamp(nullif(${param}, ''))` : `nullif(${param}, '')::timestamptz`;
const now = (db: WarehouseEngine) => (db.dialect === 'bigquery' ? 'current_timestamp()' : 'now()');
const str = (param: string) => `nullif(${param}, '')`;

/** Records a run as running; a run that is already in the ledger is left as it is. */
export async function startRun(db: WarehouseEngine, input: StartRunInput): Promise<void> {
  const runs = db.table('etl_meta', 'runs');
  const params = [
    text(input.runId, 'runId'),
    text(input.connectionId, 'connectionId'),
    storableText(input.workflowId ?? ''),
    text(input.kind, 'kind'),
    storableText(input.workspace ?? ''),
    timestamp(input.windowSince, 'windowSince'),
    timestamp(input.windowUntil, 'windowUntil'),
    timestamp(input.startedAt, 'startedAt'),
  ];
  const startedAt = `coalesce(${ts(db, '$8')}, ${now(db)})`;
  if (db.dialect === 'bigquery') {
    await db.query(
      `merge ${runs} t using (select $1 as run_id) s on t.run_id = s.run_id
       when not matched then insert (run_id, connection_id, workflow_id, kind, workspace, window_since,
         window_until, status, started_at, finished_at, records, requests, rate_limited, errors, detail)
       values ($1, $2, ${str('$3')}, $4, ${str('$5')}, ${ts(db, '$6')}, ${ts(db, '$7')}, 'running', ${startedAt},
         null, 0, 0, 0, 0, null)`,
      params,
    );
  } else {
    await db.query(
      `insert into ${runs} (run_id, connection_id, workflow_id, kind, workspace, window_since, window_until,
         status, started_at)
       values ($1, $2, ${str('$3')}, $4, ${str('$5')}, ${ts(db, '$6')}, ${ts(db, '$7')}, 'running', ${startedAt})
       on conflict (run_id) do nothing`,
      params,
    );
  }
}

/** Closes a run with its status, counters and detail; throws if the run was never started. */
export async function finishRun(db: WarehouseEngine, input: FinishRunInput): Promise<void> {
  const status: string = input.status;
  if (!(RUN_STATUSES as readonly string[]).includes(status) || status === 'running')
    throw new Error(
      `finishRun: status must be completed, failed or cancelled, not ${JSON.stringify(input.status)}`,
    );
  const runs = db.table('etl_meta', 'runs');
  const runId = text(input.runId, 'runId');
  const params = [
    runId,
    input.status,
    timestamp(input.finishedAt, 'finishedAt'),
    count(input.records, 'records'),
    count(input.requests, 'requests'),
    count(input.rateLimited, 'rateLimited'),
    count(input.errors, 'errors'),
    input.detail === undefined || input.detail === null ? '' : canonicalJson(input.detail),
  ];
  const detail = db.dialect === 'bigquery' ? `parse_json(nullif($8, ''))` : `nullif($8, '')::jsonb`;
  await db.query(
    `update ${runs} set status = $2, finished_at = coalesce(${ts(db, '$3')}, ${now(db)}), records = $4,
       requests = $5, rate_limited = $6, errors = $7, detail = ${detail}
     where run_id = $1`,
    params,
  );
  const [row] = await db.query(`select run_id from ${runs} where run_id = $1`, [runId]);
  if (!row) throw new Error(`finishRun: no run ${JSON.stringify(runId)} in the ledger`);
}

function toRun(row: Row): RunRow {
  return {
    runId: String(row.run_id),
    connectionId: String(row.connection_id),
    workflowId: (row.workflow_id as string | null) ?? null,
    kind: String(row.kind),
    workspace: (row.workspace as string | null) ?? null,
    windowSince: toDate(row.window_since),
    windowUntil: toDate(row.window_until),
    status: row.status as RunStatus,
    startedAt: toDate(row.started_at) as Date,
    finishedAt: toDate(row.finished_at),
    records: Number(row.records),
    requests: Number(row.requests),
    rateLimited: Number(row.rate_limited),
    errors: Number(row.errors),
    detail: row.detail ?? null,
  };
}

/** The newest runs first (by started_at), of one connection or of all. */
export async function listRuns(
  db: WarehouseEngine,
  options: { connectionId?: string; limit: number },
): Promise<RunRow[]> {
  const limit = count(options.limit, 'limit');
  const rows = await db.query(
    `select * from ${db.table('etl_meta', 'runs')}
     where ($1 = '' or connection_id = $1)
     order by started_at desc, run_id desc
     limit ${limit}`,
    [options.connectionId ?? ''],
  );
  return rows.map(toRun);
}

/** Appends one record-level error to etl_meta.errors. */
export async function recordError(db: WarehouseEngine, input: RecordErrorInput): Promise<void> {
  await db.query(
    `insert into ${db.table('etl_meta', 'errors')}
       (connection_id, run_id, stream, record_key, kind, message, raw, occurred_at)
     values ($1, $2, $3, ${str('$4')}, $5, $6, ${str('$7')}, coalesce(${ts(db, '$8')}, ${now(db)}))`,
    [
      text(input.connectionId, 'connectionId'),
      text(input.runId, 'runId'),
      text(input.stream, 'stream'),
      storableText(input.recordKey ?? ''),
      text(input.kind, 'kind'),
      storableText(String(input.message)),
      storableText(input.raw ?? ''),
      timestamp(input.occurredAt, 'occurredAt'),
    ],
  );
}

/** Errors of one run or one connection, oldest first. */
export async function listErrors(
  db: WarehouseEngine,
  options: { runId?: string; connectionId?: string; limit: number },
): Promise<ErrorRow[]> {
  const limit = count(options.limit, 'limit');
  const rows = await db.query(
    `select * from ${db.table('etl_meta', 'errors')}
     where ($1 = '' or run_id = $1) and ($2 = '' or connection_id = $2)
     order by occurred_at, record_key
     limit ${limit}`,
    [options.runId ?? '', options.connectionId ?? ''],
  );
  return rows.map((row) => ({
    connectionId: String(row.connection_id),
    runId: (row.run_id as string | null) ?? null,
    stream: (row.stream as string | null) ?? null,
    recordKey: (row.record_key as string | null) ?? null,
    kind: String(row.kind),
    message: String(row.message),
    raw: (row.raw as string | null) ?? null,
    occurredAt: toDate(row.occurred_at) as Date,
  }));
}
