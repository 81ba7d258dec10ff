// The transform ledger (etl_meta.transform_runs): what each model and data test of one transform
// run did, one row each, written once the run has ended. Recording a run replaces the rows it had,
// so a retried write (Temporal retries activities) leaves one copy. On BigQuery, optional values
// travel as '' and become NULL in SQL (BigQuery cannot bind an untyped null).
import type { Queryable, Row, WarehouseEngine } from './engine';
import { storableText, toDate } from './jsonValues';

export type TransformNodeKind = 'model' | 'test';

/** A data test's first offending rows, each value as text. */
export interface SampleCells {
  columns: string[];
  rows: string[][];
}

export interface TransformNodeRecord {
  node: string;
  kind: TransformNodeKind;
  /** Models: view, table or incremental; tests: null. */
  materialized: string | null;
  /** Models: success, warn, error, skipped; tests: pass, fail, warn, error, skipped. */
  status: string;
  startedAt: Date;
  ms: number;
  /** Models: rows in the relation after the build; tests: offending rows; null when not known. */
  rowCount: number | null;
  error: string | null;
  /** Tests that found offending rows: the first of them (rowCount counts them all); otherwise null. */
  sample: SampleCells | null;
}

export interface TransformRunRecord {
  runId: string;
  /** Who started the run: 'cli', 'sync:<connection>' … */
  triggeredBy: string;
  nodes: readonly TransformNodeRecord[];
}

export interface TransformNodeRow extends TransformNodeRecord {
  runId: string;
  triggeredBy: string;
}

/** Rows per INSERT: well under BigQuery's parameter limit. */
const ROWS_PER_INSERT = 100;
const COLUMNS =
  'transform_run_id, triggered_by, node, kind, materialized, status, started_at, ms, row_count, error, sample';
const PARAMS_PER_ROW = COLUMNS.split(',').length;

function valuesTuple(db: WarehouseEngine, first: number): string {
  const p = (i: number) => `$${first + i}`;
  const optional = (i: number) => `nullif(${p(i)}, '')`;
  return db.dialect === 'bigquery'
    ? `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${optional(4)}, ${p(5)}, timestamp(${p(6)}), ${p(7)}, cast(${optional(8)} as int64), ${optional(9)}, ${optional(10)})`
    : `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${optional(4)}, ${p(5)}, ${p(6)}::timestamptz, ${p(7)}, ${optional(8)}::bigint, ${optional(9)}, ${optional(10)})`;
}

function nodeParams(run: TransformRunRecord, node: TransformNodeRecord): unknown[] {
  if (!Number.isSafeInteger(node.ms) || node.ms < 0)
    throw new Error(`recordTransformRun: ms of ${node.node} must be a non-negative integer`);
  return [
    run.runId,
    storableText(run.triggeredBy),
    storableText(node.node),
    node.kind,
    node.materialized ?? '',
    node.status,
    node.startedAt.toISOString(),
    node.ms,
    node.rowCount === null ? '' : String(node.rowCount),
    storableText(node.error ?? ''),
    node.sample ? storableText(JSON.stringify(node.sample)) : '',
  ];
}

/** Writes every node of a run, replacing what the ledger held for that run. */
export async function recordTransformRun(db: WarehouseEngine, run: TransformRunRecord): Promise<void> {
  if (run.runId === '' || run.triggeredBy === '')
    throw new Error('recordTransformRun: runId and triggeredBy must be non-empty');
  const table = db.table('etl_meta', 'transform_runs');
  const write = async (q: Queryable) => {
    await q.query(`delete from ${table} where transform_run_id = $1`, [run.runId]);
    for (let start = 0; start < run.nodes.length; start += ROWS_PER_INSERT) {
      const chunk = run.nodes.slice(start, start + ROWS_PER_INSERT);
      const params = chunk.flatMap((node) => nodeParams(run, node));
      const tuples = chunk.map((_, i) => valuesTuple(db, i * PARAMS_PER_ROW + 1));
      await q.query(`insert into ${table} (${COLUMNS}) values ${tuples.join(', ')}`, params);
    }
  };
  // Postgres: all of it or none. BigQuery: statement by statement; a retry converges all the same.
  await (db.dialect === 'postgres' ? db.transaction(write) : write(db));
}

function toNodeRow(row: Row): TransformNodeRow {
  return {
    runId: String(row.transform_run_id),
    triggeredBy: String(row.triggered_by),
    node: String(row.node),
    kind: row.kind as TransformNodeKind,
    materialized: (row.materialized as string | null) ?? null,
    status: String(row.status),
    startedAt: toDate(row.started_at) as Date,
    ms: Number(row.ms),
    rowCount: row.row_count === null || row.row_count === undefined ? null : Number(row.row_count),
    error: (row.error as string | null) ?? null,
    sample: row.sample ? (JSON.parse(String(row.sample)) as SampleCells) : null,
  };
}

/** The nodes of one run, in the order they started. */
export async function listTransformRun(db: WarehouseEngine, runId: string): Promise<TransformNodeRow[]> {
  const rows = await db.query(
    `select * from ${db.table('etl_meta', 'transform_runs')} where transform_run_id = $1
     order by started_at, kind, node`,
    [runId],
  );
  return rows.map(toNodeRow);
}
