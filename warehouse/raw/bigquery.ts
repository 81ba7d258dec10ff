// raw_bitbucket on BigQuery: the upsert of a staged load, and tombstones.
//
// The records go to a staging table by a load job (NDJSON; the payload travels as canonical JSON
// text and becomes JSON through parse_json, so a JSON null stays a JSON null and numbers are not
// reinterpreted by the loader), then three statements run in this order:
//   1. a count of what the MERGE will insert and rewrite (for the result only, and only when the
//      caller wants it: the pipeline does not, see load.ts `counts`);
//   2. MERGE into raw_bitbucket.<stream> (atomic on its own);
//   3. MERGE into etl_meta.stream_state (atomic on its own), only after 2 succeeded (load.ts).
// Not one transaction, but the order makes a crash harmless: the state never moves ahead of the
// records it stands for. A crash between 2 and 3 leaves the records in and the old state, so the
// caller re-reads the same page and loads it again, which is idempotent (every record unchanged)
// and then writes the state. A crash before 2 leaves only the staging table, which expires.
//
// Why not BEGIN TRANSACTION … COMMIT in one script: the emulator runs scripts (and rolls back a
// failed transaction) but does not pass query parameters into scripts, so a script would have to
// inline every value as a literal; and on BigQuery itself a multi-statement transaction that
// mutates a table aborts concurrent transactions mutating the same table, which every parallel
// page load would do to the one etl_meta.stream_state table. Plain DML is queued instead.
import { randomBytes } from 'node:crypto';
import type { BulkColumn, Row, WarehouseEngine } from '../engine';
import { rawTable } from '../rawStreams';
import type { StagedLoad, Tombstoning, UpsertCounts } from './records';

/** Keep-lists and key lists up to this size travel as an array parameter. */
export const BQ_PARAM_KEYS = 10_000;
/** Staging tables expire on their own after this long, should a crash leave one. */
const BQ_STAGE_TTL_MS = 3_600_000;

const BQ_STAGE_COLUMNS: BulkColumn[] = [
  { name: 'record_key', type: 'STRING' },
  { name: 'parent_key', type: 'STRING' },
  { name: 'updated_on', type: 'TIMESTAMP' },
  { name: 'payload_text', type: 'STRING' },
  { name: '_payload_hash', type: 'STRING' },
];

function requireLoadTable(db: WarehouseEngine): NonNullable<WarehouseEngine['loadTable']> {
  if (!db.loadTable) throw new Error(`the ${db.name} engine has no loadTable (BigQuery load jobs)`);
  return db.loadTable.bind(db);
}

/**
 * Loads `rows` into a new staging table and runs `fn` on it. After `fn` succeeded, the table is
 * dropped while the caller goes on: `dropped` settles once it is gone (it never rejects).
 */
async function withStagingTable<T>(
  db: WarehouseEngine,
  label: string,
  columns: readonly BulkColumn[],
  rows: readonly Row[],
  fn: (table: string) => Promise<T>,
): Promise<{ result: T; dropped: Promise<void> }> {
  const load = requireLoadTable(db);
  const name = `_bbetl_stage_${label}_${randomBytes(6).toString('hex')}`;
  const table = db.table('raw_bitbucket', name);
  // A failed drop leaves nothing to clean up: the table expires by itself (BQ_STAGE_TTL_MS), and
  // the load's own outcome (or error) is what the caller must see.
  const drop = () =>
    db.query(`drop table if exists ${table}`).then(
      () => {},
      () => {},
    );
  try {
    await load('raw_bitbucket', name, columns, rows, { expiresAt: new Date(Date.now() + BQ_STAGE_TTL_MS) });
    return { result: await fn(table), dropped: drop() };
  } catch (err) {
    await drop();
    throw err;
  }
}

/**
 * Statements 1 (when `count`) and 2 above. The caller writes the state after, while the staging
 * table is dropped (`dropped`: see withStagingTable).
 */
export async function upsertBigQuery(
  load: StagedLoad,
  { count }: { count: boolean },
): Promise<{ counts: UpsertCounts | undefined; dropped: Promise<void> }> {
  const { db } = load;
  const counts: UpsertCounts = { inserted: 0, updated: 0 };
  if (load.records.length === 0) return { counts, dropped: Promise.resolve() };
  const rows = load.records.map((r) => ({
    record_key: r.record_key,
    parent_key: r.parent_key,
    updated_on: r.updated_on,
    payload_text: r.payload,
    _payload_hash: r._payload_hash,
  }));
  const { dropped } = await withStagingTable(db, load.stream, BQ_STAGE_COLUMNS, rows, async (s) => {
    const t = rawTable(db, load.stream);
    const changed = '(t._payload_hash != s._payload_hash or t._deleted_at is not null)';
    if (count) {
      const [row] = await db.query(
        `select countif(t.record_key is null) as inserted,
                countif(t.record_key is not null and ${changed}) as updated
         from ${s} s left join ${t} t on t.connection_id = $1 and t.record_key = s.record_key`,
        [load.connectionId],
      );
      counts.inserted = Number(row?.inserted ?? 0);
      counts.updated = Number(row?.updated ?? 0);
    }
    const payload = `parse_json(s.payload_text, wide_number_mode => 'round')`;
    await db.query(
      `merge ${t} t using ${s} s on t.connection_id = $1 and t.record_key = s.record_key
       when matched and ${changed} then update set
         workspace_uuid = nullif($2, ''), parent_key = s.parent_key, updated_on = s.updated_on,
         payload = ${payload}, _extracted_at = timestamp($3), _run_id = $4,
         _payload_hash = s._payload_hash, _deleted_at = null
       when not matched then insert (connection_id, workspace_uuid, record_key, parent_key, updated_on,
         payload, _extracted_at, _run_id, _payload_hash, _deleted_at)
       values ($1, nullif($2, ''), s.record_key, s.parent_key, s.updated_on, ${payload}, timestamp($3), $4,
         s._payload_hash, null)`,
      [load.connectionId, load.workspaceUuid, load.extractedAt, load.runId],
    );
  });
  return { counts: count ? counts : undefined, dropped };
}

/**
 * Tombstones the live rows (of the parent) that `keep` does not list; returns how many. No
 * affected-row count comes back (and the emulator has no @@row_count), so the rows are counted
 * first and tombstoned after; the count is for reporting, the UPDATE's own WHERE decides (a
 * connection's loads do not overlap, so the two agree).
 */
export async function tombstoneBigQuery(db: WarehouseEngine, input: Tombstoning): Promise<number> {
  const t = rawTable(db, input.stream);
  const { connectionId, keep, at } = input;
  const run = async (keepClause: string, keepParams: unknown[]) => {
    const params = [connectionId, input.parentKey ?? '', ...keepParams];
    const where = `t.connection_id = $1 and t._deleted_at is null and ($2 = '' or t.parent_key = $2) ${keepClause}`;
    const [row] = await db.query<{ n: number }>(`select count(*) as n from ${t} t where ${where}`, params);
    const n = Number(row?.n ?? 0);
    if (n > 0)
      await db.query(`update ${t} t set _deleted_at = timestamp($${params.length + 1}) where ${where}`, [
        ...params,
        at,
      ]);
    return n;
  };
  if (keep.length === 0) return run('', []);
  if (keep.length <= BQ_PARAM_KEYS) return run('and t.record_key not in unnest($3)', [keep]);
  const { result, dropped } = await withStagingTable(
    db,
    'keep',
    [{ name: 'record_key', type: 'STRING' }],
    keep.map((record_key) => ({ record_key })),
    (stageTable) => run(`and t.record_key not in (select record_key from ${stageTable})`, []),
  );
  await dropped;
  return result;
}
