// The raw landing zone: idempotent upserts of extracted records into raw_bitbucket.<stream>, id
// reconciliation (tombstones), and the per-scope cursor/watermark each page advances.
//
// One rule on every engine: a record is keyed by (connection_id, record_key) and carries
// _payload_hash, the sha256 of its payload's canonical JSON. A record whose hash is unchanged and
// that is not tombstoned is left exactly as it was (its _extracted_at and _run_id included), so a
// retried page changes nothing; a changed one is rewritten; a tombstoned one that shows up again
// is rewritten with _deleted_at cleared. Inside one call, a key given twice keeps its last record.
//
// How each engine does it:
//   Postgres  COPY (csv) into a temp table (on commit drop), then INSERT … SELECT … ON CONFLICT DO
//             UPDATE … WHERE the hash differs or the row is tombstoned; state in the same transaction.
//   PGlite    the same INSERT … ON CONFLICT, reading jsonb_to_recordset($1) in chunks (PGlite has
//             no COPY FROM STDIN stream); state in the same transaction.
//   BigQuery  a load job of NDJSON into an expiring staging table, then MERGE; the state is
//             MERGEd after the records (ordered, not one transaction: see loadBigQuery).
import { randomBytes } from 'node:crypto';
import { type BulkColumn, type Queryable, quotePgIdent, type Row, type WarehouseEngine } from './engine';
import { canonicalJson, normalizeTimestamp, sha256Hex, storableText } from './jsonValues';
import { assertRawStream, type RawStream, rawTable } from './rawStreams';

export type RawRecord = {
  /** The natural key, unique per connection within the stream. */
  key: string;
  /** The key of the parent entity (e.g. a repository uuid), for child streams. */
  parentKey?: string;
  /** ISO-8601; microseconds and any offset are kept (digits past microseconds are cut). */
  updatedOn?: string;
  payload: unknown;
};

export interface StreamStateWrite {
  /** What the state is for inside the stream: a repository uuid, a pull request key, or ''. */
  scopeKey: string;
  /** undefined: keep the stored cursor; null: clear it; anything else: store it (as JSON). */
  cursor?: unknown | null;
  /** undefined: keep the stored watermark; null: clear it; an ISO-8601 timestamp: store it. */
  watermark?: string | null;
}

export interface LoadRecordsInput {
  stream: string;
  connectionId: string;
  /** The workspace the records belong to (null for records outside any workspace). */
  workspaceUuid: string | null;
  runId: string;
  records: readonly RawRecord[];
  /** Stamped on inserted and rewritten rows; default now. */
  extractedAt?: Date | string;
  /** Written in the same transaction as the records. */
  state?: StreamStateWrite;
}

/** Counts are over distinct keys (a key given twice in one call counts once). */
export interface LoadResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface StreamState {
  /** ISO-8601 UTC with microseconds, e.g. 2024-05-01T10:00:00.123456Z. */
  watermark?: string;
  cursor?: unknown;
}

/** A record ready for any engine: text that every engine can store, hashed. */
interface StagedRecord {
  record_key: string;
  parent_key: string | null;
  updated_on: string | null;
  payload: string;
  _payload_hash: string;
}

/** Postgres chunks (PGlite's jsonb_to_recordset parameter), by records and by characters. */
const PG_CHUNK_RECORDS = 5_000;
const PG_CHUNK_CHARS = 8_000_000;
/** Postgres: keys per existingKeys query. */
const PG_KEYS_PER_QUERY = 1_000;
/** BigQuery: keep-lists and key lists up to this size travel as an array parameter. */
const BQ_PARAM_KEYS = 10_000;
/** BigQuery staging tables expire on their own after this long, should a crash leave one. */
const BQ_STAGE_TTL_MS = 3_600_000;

/** Collects positional parameters ($1, $2 …) as the SQL is written. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}

function toIso(value: Date | string | undefined, what: string): string {
  if (value === undefined) return new Date().toISOString();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`invalid ${what}: Invalid Date`);
    return value.toISOString();
  }
  return normalizeTimestamp(value, what);
}

/** Validates and prepares records; a key given twice keeps its last record. */
function stage(records: readonly RawRecord[]): StagedRecord[] {
  const byKey = new Map<string, StagedRecord>();
  for (const record of records) {
    const key = storableText(requireText(record.key, 'record key'));
    const payload = canonicalJson(record.payload);
    byKey.delete(key); // re-insert, so the batch keeps the order of last appearance
    byKey.set(key, {
      record_key: key,
      parent_key:
        record.parentKey === undefined || record.parentKey === null ? null : storableText(record.parentKey),
      updated_on:
        record.updatedOn === undefined || record.updatedOn === null
          ? null
          : normalizeTimestamp(record.updatedOn, `updatedOn of record ${JSON.stringify(key)}`),
      payload,
      _payload_hash: sha256Hex(payload),
    });
  }
  return [...byKey.values()];
}

function prepareState(state: StreamStateWrite) {
  if (typeof state.scopeKey !== 'string') throw new Error('state.scopeKey must be a string ("" for none)');
  return {
    scopeKey: storableText(state.scopeKey),
    setWatermark: state.watermark !== undefined,
    watermark:
      state.watermark === undefined || state.watermark === null
        ? ''
        : normalizeTimestamp(state.watermark, 'state watermark'),
    setCursor: state.cursor !== undefined,
    // '' stands for SQL NULL (BigQuery cannot bind an untyped null).
    cursor: state.cursor === undefined || state.cursor === null ? '' : canonicalJson(state.cursor),
  };
}

// ---------------------------------------------------------------------------------------------
// loadRecords

export async function loadRecords(db: WarehouseEngine, input: LoadRecordsInput): Promise<LoadResult> {
  const stream = assertRawStream(input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  const runId = requireText(input.runId, 'runId');
  const workspaceUuid = input.workspaceUuid ?? '';
  const extractedAt = toIso(input.extractedAt, 'extractedAt');
  const records = stage(input.records);
  const state = input.state ? prepareState(input.state) : undefined;
  const ctx: LoadContext = { db, stream, connectionId, runId, workspaceUuid, extractedAt, records, state };

  if (records.length === 0 && !state) return { inserted: 0, updated: 0, unchanged: 0 };
  if (db.dialect === 'bigquery') return loadBigQuery(ctx);
  return db.transaction(async (tx) => {
    const counts = tx.copyFrom ? await upsertViaCopy(tx, ctx) : await upsertViaRecordset(tx, ctx);
    if (state) await writeStatePostgres(tx, db, connectionId, stream, state);
    return counts;
  });
}

interface LoadContext {
  db: WarehouseEngine;
  stream: RawStream;
  connectionId: string;
  runId: string;
  /** '' for none. */
  workspaceUuid: string;
  extractedAt: string;
  records: StagedRecord[];
  state: ReturnType<typeof prepareState> | undefined;
}

/**
 * INSERT … SELECT from `source` (columns record_key, parent_key, updated_on, payload, _payload_hash).
 * Rows the WHERE leaves alone return nothing; of the rows returned, xmax = 0 marks a fresh insert
 * (an updated row version carries the updating transaction's id in xmax).
 */
function postgresUpsert(ctx: LoadContext, source: string, params: Params): string {
  const t = rawTable(ctx.db, ctx.stream);
  return `with upserted as (
      insert into ${t} as t (connection_id, workspace_uuid, record_key, parent_key, updated_on, payload,
        _extracted_at, _run_id, _payload_hash, _deleted_at)
      select ${params.add(ctx.connectionId)}, nullif(${params.add(ctx.workspaceUuid)}, ''), s.record_key,
        s.parent_key, s.updated_on, coalesce(s.payload, 'null'::jsonb),
        ${params.add(ctx.extractedAt)}::timestamptz, ${params.add(ctx.runId)}, s._payload_hash, null
      from ${source}
      on conflict (connection_id, record_key) do update set
        workspace_uuid = excluded.workspace_uuid,
        parent_key = excluded.parent_key,
        updated_on = excluded.updated_on,
        payload = excluded.payload,
        _extracted_at = excluded._extracted_at,
        _run_id = excluded._run_id,
        _payload_hash = excluded._payload_hash,
        _deleted_at = null
      where t._payload_hash is distinct from excluded._payload_hash or t._deleted_at is not null
      returning (xmax = 0) as inserted
    )
    select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated
    from upserted`;
}

function tally(rows: Row[], into: LoadResult): void {
  into.inserted += Number(rows[0]?.inserted ?? 0);
  into.updated += Number(rows[0]?.updated ?? 0);
}

function finish(counts: LoadResult, total: number): LoadResult {
  return { ...counts, unchanged: total - counts.inserted - counts.updated };
}

/** A CSV field for COPY … (format csv): NULL is an unquoted empty field, anything else is quoted. */
function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

function* csvLines(records: readonly StagedRecord[]): Generator<string> {
  let buffer = '';
  for (const r of records) {
    buffer += `${csvField(r.record_key)},${csvField(r.parent_key)},${csvField(r.updated_on)},${csvField(r.payload)},${csvField(r._payload_hash)}\n`;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

async function upsertViaCopy(tx: Queryable, ctx: LoadContext): Promise<LoadResult> {
  const counts: LoadResult = { inserted: 0, updated: 0, unchanged: 0 };
  if (ctx.records.length === 0) return counts;
  const temp = quotePgIdent(`bbetl_stage_${randomBytes(6).toString('hex')}`);
  await tx.query(
    `create temp table ${temp} (record_key text, parent_key text, updated_on timestamptz, payload jsonb,
      _payload_hash text) on commit drop`,
  );
  await tx.copyFrom?.(
    `copy ${temp} (record_key, parent_key, updated_on, payload, _payload_hash) from stdin with (format csv)`,
    csvLines(ctx.records),
  );
  const params = new Params();
  tally(await tx.query(postgresUpsert(ctx, `${temp} s`, params), params.values), counts);
  return finish(counts, ctx.records.length);
}

function* chunks(records: readonly StagedRecord[]): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const r of records) {
    // The payload is already JSON text: splice it in rather than parse and re-serialize it.
    const item = `{"record_key":${JSON.stringify(r.record_key)},"parent_key":${JSON.stringify(r.parent_key)},"updated_on":${JSON.stringify(r.updated_on)},"payload":${r.payload},"_payload_hash":"${r._payload_hash}"}`;
    if (parts.length > 0 && (parts.length >= PG_CHUNK_RECORDS || size + item.length > PG_CHUNK_CHARS)) {
      yield `[${parts.join(',')}]`;
      parts = [];
      size = 0;
    }
    parts.push(item);
    size += item.length + 1;
  }
  if (parts.length > 0) yield `[${parts.join(',')}]`;
}

async function upsertViaRecordset(tx: Queryable, ctx: LoadContext): Promise<LoadResult> {
  const counts: LoadResult = { inserted: 0, updated: 0, unchanged: 0 };
  for (const chunk of chunks(ctx.records)) {
    const params = new Params();
    const source = `jsonb_to_recordset(${params.add(chunk)}::jsonb) as s(record_key text, parent_key text,
      updated_on timestamptz, payload jsonb, _payload_hash text)`;
    tally(await tx.query(postgresUpsert(ctx, source, params), params.values), counts);
  }
  return finish(counts, ctx.records.length);
}

// BigQuery.
//
// The records go to a staging table by a load job (NDJSON; the payload travels as canonical JSON
// text and becomes JSON through parse_json, so a JSON null stays a JSON null and numbers are not
// reinterpreted by the loader), then three statements run in this order:
//   1. a count of what the MERGE will insert and rewrite (for the result only);
//   2. MERGE into raw_bitbucket.<stream> (atomic on its own);
//   3. MERGE into etl_meta.stream_state (atomic on its own), only after 2 succeeded.
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

async function withStagingTable<T>(
  db: WarehouseEngine,
  label: string,
  columns: readonly BulkColumn[],
  rows: readonly Row[],
  fn: (table: string) => Promise<T>,
): Promise<T> {
  const load = requireLoadTable(db);
  const name = `_bbetl_stage_${label}_${randomBytes(6).toString('hex')}`;
  const table = db.table('raw_bitbucket', name);
  try {
    await load('raw_bitbucket', name, columns, rows, { expiresAt: new Date(Date.now() + BQ_STAGE_TTL_MS) });
    return await fn(table);
  } finally {
    // A failed drop leaves nothing to clean up: the table expires by itself (BQ_STAGE_TTL_MS), and
    // the load's own outcome (or error) is what the caller must see.
    await db.query(`drop table if exists ${table}`).catch(() => {});
  }
}

async function loadBigQuery(ctx: LoadContext): Promise<LoadResult> {
  const { db } = ctx;
  const counts: LoadResult = { inserted: 0, updated: 0, unchanged: 0 };
  if (ctx.records.length > 0) {
    const rows = ctx.records.map((r) => ({
      record_key: r.record_key,
      parent_key: r.parent_key,
      updated_on: r.updated_on,
      payload_text: r.payload,
      _payload_hash: r._payload_hash,
    }));
    await withStagingTable(db, ctx.stream, BQ_STAGE_COLUMNS, rows, async (s) => {
      const t = rawTable(db, ctx.stream);
      const changed = '(t._payload_hash != s._payload_hash or t._deleted_at is not null)';
      tally(
        await db.query(
          `select countif(t.record_key is null) as inserted,
                  countif(t.record_key is not null and ${changed}) as updated
           from ${s} s left join ${t} t on t.connection_id = $1 and t.record_key = s.record_key`,
          [ctx.connectionId],
        ),
        counts,
      );
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
        [ctx.connectionId, ctx.workspaceUuid, ctx.extractedAt, ctx.runId],
      );
    });
  }
  if (ctx.state) {
    const p = new Params();
    await db.query(stateMergeBigQuery(db, p, ctx.connectionId, ctx.stream, ctx.state), p.values);
  }
  return finish(counts, ctx.records.length);
}

// ---------------------------------------------------------------------------------------------
// stream state

async function writeStatePostgres(
  q: Queryable,
  db: WarehouseEngine,
  connectionId: string,
  stream: RawStream,
  state: ReturnType<typeof prepareState>,
): Promise<void> {
  const p = new Params();
  await q.query(
    `insert into ${db.table('etl_meta', 'stream_state')} as t
       (connection_id, stream, scope_key, watermark, cursor, updated_at)
     values (${p.add(connectionId)}, ${p.add(stream)}, ${p.add(state.scopeKey)},
       nullif(${p.add(state.watermark)}, '')::timestamptz, nullif(${p.add(state.cursor)}, '')::jsonb, now())
     on conflict (connection_id, stream, scope_key) do update set
       watermark = case when ${p.add(state.setWatermark)}::boolean then excluded.watermark else t.watermark end,
       cursor = case when ${p.add(state.setCursor)}::boolean then excluded.cursor else t.cursor end,
       updated_at = excluded.updated_at`,
    p.values,
  );
}

function stateMergeBigQuery(
  db: WarehouseEngine,
  p: Params,
  connectionId: string,
  stream: RawStream,
  state: ReturnType<typeof prepareState>,
): string {
  return `merge ${db.table('etl_meta', 'stream_state')} t
    using (select ${p.add(connectionId)} as connection_id, ${p.add(stream)} as stream,
             ${p.add(state.scopeKey)} as scope_key, timestamp(nullif(${p.add(state.watermark)}, '')) as watermark,
             parse_json(nullif(${p.add(state.cursor)}, ''), wide_number_mode => 'round') as cursor,
             ${p.add(state.setWatermark)} as set_watermark, ${p.add(state.setCursor)} as set_cursor) s
    on t.connection_id = s.connection_id and t.stream = s.stream and t.scope_key = s.scope_key
    when matched then update set
      watermark = if(s.set_watermark, s.watermark, t.watermark),
      cursor = if(s.set_cursor, s.cursor, t.cursor),
      updated_at = current_timestamp()
    when not matched then insert (connection_id, stream, scope_key, watermark, cursor, updated_at)
      values (s.connection_id, s.stream, s.scope_key, s.watermark, s.cursor, current_timestamp())`;
}

/** Writes a stream's cursor/watermark on its own (e.g. a window that brought no records). */
export async function writeState(
  db: WarehouseEngine,
  input: { connectionId: string; stream: string } & StreamStateWrite,
): Promise<void> {
  const stream = assertRawStream(input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  const state = prepareState(input);
  if (db.dialect === 'bigquery') {
    const p = new Params();
    await db.query(stateMergeBigQuery(db, p, connectionId, stream, state), p.values);
  } else {
    await writeStatePostgres(db, db, connectionId, stream, state);
  }
}

export async function readState(
  db: WarehouseEngine,
  connectionId: string,
  stream: string,
  scopeKey: string,
): Promise<StreamState> {
  const s = assertRawStream(stream);
  const watermark =
    db.dialect === 'bigquery'
      ? `format_timestamp('%Y-%m-%dT%H:%M:%E6SZ', watermark, 'UTC')`
      : `to_char(watermark at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const [row] = await db.query<{ watermark: string | null; cursor: unknown }>(
    `select ${watermark} as watermark, cursor from ${db.table('etl_meta', 'stream_state')}
     where connection_id = $1 and stream = $2 and scope_key = $3`,
    [connectionId, s, storableText(scopeKey)],
  );
  const result: StreamState = {};
  if (row?.watermark !== null && row?.watermark !== undefined) result.watermark = row.watermark;
  if (row?.cursor !== null && row?.cursor !== undefined) result.cursor = row.cursor;
  return result;
}

// ---------------------------------------------------------------------------------------------
// id reconciliation and lookups

export interface MarkDeletedInput {
  stream: string;
  connectionId: string;
  /** Only rows of this parent; undefined or null: every row of the stream for the connection. */
  parentKey?: string | null;
  /** The keys the source still lists; every other live row (of the parent) gets _deleted_at. */
  keep: readonly string[];
  runId: string;
  /** The tombstone time; default now. */
  at?: Date | string;
}

/** Keep-lists up to this long are compared in the statement itself (Postgres, PGlite). */
const SMALL_KEEP_LIST = 100;

/** Tombstones the rows the source no longer lists; returns how many rows it tombstoned. */
export async function markDeleted(db: WarehouseEngine, input: MarkDeletedInput): Promise<number> {
  const t = rawTable(db, input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  requireText(input.runId, 'runId');
  const at = toIso(input.at, 'at');
  const keep = [...new Set(input.keep.map((k) => storableText(requireText(k, 'kept key'))))];
  const hasParent = input.parentKey !== undefined && input.parentKey !== null;

  if (db.dialect !== 'bigquery' && hasParent && keep.length <= SMALL_KEEP_LIST) {
    // One parent's short list (a pull request's comments): one statement, no temp table. The
    // parent's rows are found by index, so comparing each with a few keys costs nothing.
    const p = new Params();
    const rows = await db.query<{ n: string | number }>(
      `with tombstoned as (
         update ${t} t set _deleted_at = ${p.add(at)}::timestamptz
         where t.connection_id = ${p.add(connectionId)} and t._deleted_at is null
           and t.parent_key = ${p.add(storableText(input.parentKey as string))}
           and t.record_key <> all(${p.add(keep)}::text[])
         returning 1
       ) select count(*) as n from tombstoned`,
      p.values,
    );
    return Number(rows[0]?.n ?? 0);
  }
  if (db.dialect !== 'bigquery') {
    // The keep-list goes to a temp table with a primary key, so the anti-join probes an index
    // whatever the planner believes about a freshly loaded raw table (a function scan of a JSON
    // array is re-run per row in a nested loop: quadratic on big lists).
    return db.transaction(async (tx) => {
      const keepTable = quotePgIdent(`bbetl_keep_${randomBytes(6).toString('hex')}`);
      await tx.query(`create temp table ${keepTable} (record_key text primary key) on commit drop`);
      if (keep.length > 0)
        await tx.query(
          `insert into ${keepTable} (record_key) select jsonb_array_elements_text($1::jsonb) on conflict do nothing`,
          [JSON.stringify(keep)],
        );
      const p = new Params();
      const rows = await tx.query<{ n: string | number }>(
        `with tombstoned as (
           update ${t} t set _deleted_at = ${p.add(at)}::timestamptz
           where t.connection_id = ${p.add(connectionId)} and t._deleted_at is null
             ${hasParent ? `and t.parent_key = ${p.add(storableText(input.parentKey as string))}` : ''}
             and not exists (select 1 from ${keepTable} k where k.record_key = t.record_key)
           returning 1
         ) select count(*) as n from tombstoned`,
        p.values,
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  // BigQuery: no affected-row count comes back (and the emulator has no @@row_count), so the rows
  // are counted first and tombstoned after; the count is for reporting, the UPDATE's own WHERE
  // decides (a connection's loads do not overlap, so the two agree).
  const run = async (keepClause: string, keepParams: unknown[]) => {
    const params = [connectionId, storableText(input.parentKey ?? ''), ...keepParams];
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
  return withStagingTable(
    db,
    'keep',
    [{ name: 'record_key', type: 'STRING' }],
    keep.map((record_key) => ({ record_key })),
    (stageTable) => run(`and t.record_key not in (select record_key from ${stageTable})`, []),
  );
}

/**
 * Which of `keys` the stream already holds, live (not tombstoned), for the connection: the commit
 * walk stops at hashes it has seen. A tombstoned record counts as unseen, so reading it again
 * brings it back.
 */
export async function existingKeys(
  db: WarehouseEngine,
  stream: string,
  connectionId: string,
  keys: readonly string[],
): Promise<Set<string>> {
  const t = rawTable(db, stream);
  requireText(connectionId, 'connectionId');
  const found = new Set<string>();
  const wanted = [...new Set(keys.map((k) => storableText(k)))];
  if (wanted.length === 0) return found;
  // Chunks of keys as an array parameter: each key is one probe of the primary key index.
  const chunk = db.dialect === 'bigquery' ? BQ_PARAM_KEYS : PG_KEYS_PER_QUERY;
  const match = db.dialect === 'bigquery' ? 'record_key in unnest($2)' : 'record_key = any($2::text[])';
  for (let i = 0; i < wanted.length; i += chunk) {
    const rows = await db.query<{ record_key: string }>(
      `select record_key from ${t} where connection_id = $1 and _deleted_at is null and ${match}`,
      [connectionId, wanted.slice(i, i + chunk)],
    );
    for (const row of rows) found.add(row.record_key);
  }
  return found;
}
