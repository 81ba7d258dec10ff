// The raw landing zone's one write: idempotent upserts of extracted records into
// raw_bitbucket.<stream>, with the stream state they advance.
//
// One rule on every engine: a record is keyed by (connection_id, record_key) and carries
// _payload_hash, the sha256 of its payload's canonical JSON. A record whose hash is unchanged and
// that is not tombstoned is left exactly as it was (its _extracted_at and _run_id included), so a
// retried page changes nothing; a changed one is rewritten; a tombstoned one that shows up again
// is rewritten with _deleted_at cleared. Inside one call, a key given twice keeps its last record.
// How each engine does it: postgres.ts (Postgres and PGlite), bigquery.ts.
import type { WarehouseEngine } from '../engine';
import { assertRawStream } from '../rawStreams';
import { upsertBigQuery } from './bigquery';
import { upsertPostgres } from './postgres';
import {
  type RawRecord,
  requireText,
  type StagedLoad,
  stageRecords,
  toIso,
  type UpsertCounts,
} from './records';
import { prepareState, type StreamStateWrite, writePreparedState } from './state';

export interface LoadRecordsInput {
  stream: string;
  connectionId: string;
  /** The workspace the records belong to (null for records outside any workspace). */
  workspaceUuid: string | null;
  runId: string;
  records: readonly RawRecord[];
  /** Stamped on inserted and rewritten rows; default now. */
  extractedAt?: Date | string;
  /** Written in the same transaction as the records (on BigQuery: after them, see bigquery.ts). */
  state?: StreamStateWrite;
  /**
   * false: the result says only which records were `altered`. The counts of inserted, updated and
   * unchanged rows cost BigQuery a query of its own before each MERGE; the pipeline never reads
   * them. Default true.
   */
  counts?: boolean;
}

/** Counts are over distinct keys (a key given twice in one call counts once). */
export interface LoadResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /**
   * The records (as given, in order) whose payload held text no engine can store (NUL, lone
   * surrogates): they were stored with U+FFFD in its place.
   */
  altered: RawRecord[];
}

export function loadRecords(
  db: WarehouseEngine,
  input: LoadRecordsInput & { counts: false },
): Promise<Pick<LoadResult, 'altered'>>;
export function loadRecords(db: WarehouseEngine, input: LoadRecordsInput): Promise<LoadResult>;
export async function loadRecords(
  db: WarehouseEngine,
  input: LoadRecordsInput,
): Promise<LoadResult | Pick<LoadResult, 'altered'>> {
  const stream = assertRawStream(input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  const runId = requireText(input.runId, 'runId');
  const workspaceUuid = input.workspaceUuid ?? '';
  const extractedAt = toIso(input.extractedAt, 'extractedAt');
  const { staged, altered } = stageRecords(input.records);
  const state = input.state ? prepareState(input.state) : undefined;
  const load: StagedLoad = { db, stream, connectionId, runId, workspaceUuid, extractedAt, records: staged };
  const count = input.counts ?? true;
  const result = (counts: UpsertCounts | undefined) =>
    count && counts
      ? { ...counts, unchanged: staged.length - counts.inserted - counts.updated, altered }
      : { altered };

  if (staged.length === 0 && !state) return result({ inserted: 0, updated: 0 });
  if (db.dialect === 'bigquery') {
    const { counts, dropped } = await upsertBigQuery(load, { count });
    try {
      // While the staging table is dropped: the state waits for the records, not for the drop.
      if (state) await writePreparedState(db, db, connectionId, stream, state);
    } finally {
      await dropped;
    }
    return result(counts);
  }
  return db.transaction(async (tx) => {
    const counts = await upsertPostgres(tx, load);
    if (state) await writePreparedState(tx, db, connectionId, stream, state);
    return result(counts);
  });
}
