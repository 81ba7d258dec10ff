// raw_bitbucket on Postgres and PGlite: the upsert of a staged load, and tombstones.
//   Postgres  COPY (csv) into a temp table (on commit drop), then INSERT … SELECT … ON CONFLICT DO
//             UPDATE … WHERE the hash differs or the row is tombstoned.
//   PGlite    the same INSERT … ON CONFLICT, reading jsonb_to_recordset($1) in chunks (PGlite has
//             no COPY FROM STDIN stream).
import { randomBytes } from 'node:crypto';
import { type Queryable, quotePgIdent, type Row, type WarehouseEngine } from '../engine';
import { rawTable } from '../rawStreams';
import { Params, type StagedLoad, type StagedRecord, type Tombstoning, type UpsertCounts } from './records';

/** PGlite chunks (its jsonb_to_recordset parameter), by records and by characters. */
const PG_CHUNK_RECORDS = 5_000;
const PG_CHUNK_CHARS = 8_000_000;
/** Keep-lists up to this long are compared in the statement itself. */
const SMALL_KEEP_LIST = 100;

/** Upserts the staged records inside the caller's transaction `tx`. */
export function upsertPostgres(tx: Queryable, load: StagedLoad): Promise<UpsertCounts> {
  return tx.copyFrom ? upsertViaCopy(tx, load) : upsertViaRecordset(tx, load);
}

/**
 * INSERT … SELECT from `source` (columns record_key, parent_key, updated_on, payload, _payload_hash).
 * Rows the WHERE leaves alone return nothing; of the rows returned, xmax = 0 marks a fresh insert
 * (an updated row version carries the updating transaction's id in xmax).
 */
function upsertFrom(load: StagedLoad, source: string, params: Params): string {
  const t = rawTable(load.db, load.stream);
  return `with upserted as (
      insert into ${t} as t (connection_id, workspace_uuid, record_key, parent_key, updated_on, payload,
        _extracted_at, _run_id, _payload_hash, _deleted_at)
      select ${params.add(load.connectionId)}, nullif(${params.add(load.workspaceUuid)}, ''), s.record_key,
        s.parent_key, s.updated_on, coalesce(s.payload, 'null'::jsonb),
        ${params.add(load.extractedAt)}::timestamptz, ${params.add(load.runId)}, s._payload_hash, null
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

function tally(rows: Row[], into: UpsertCounts): void {
  into.inserted += Number(rows[0]?.inserted ?? 0);
  into.updated += Number(rows[0]?.updated ?? 0);
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

async function upsertViaCopy(tx: Queryable, load: StagedLoad): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0 };
  if (load.records.length === 0) return counts;
  const temp = quotePgIdent(`bbetl_stage_${randomBytes(6).toString('hex')}`);
  await tx.query(
    `create temp table ${temp} (record_key text, parent_key text, updated_on timestamptz, payload jsonb,
      _payload_hash text) on commit drop`,
  );
  await tx.copyFrom?.(
    `copy ${temp} (record_key, parent_key, updated_on, payload, _payload_hash) from stdin with (format csv)`,
    csvLines(load.records),
  );
  const params = new Params();
  tally(await tx.query(upsertFrom(load, `${temp} s`, params), params.values), counts);
  return counts;
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

async function upsertViaRecordset(tx: Queryable, load: StagedLoad): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0 };
  for (const chunk of chunks(load.records)) {
    const params = new Params();
    const source = `jsonb_to_recordset(${params.add(chunk)}::jsonb) as s(record_key text, parent_key text,
      updated_on timestamptz, payload jsonb, _payload_hash text)`;
    tally(await tx.query(upsertFrom(load, source, params), params.values), counts);
  }
  return counts;
}

/** Tombstones the live rows (of the parent) that `keep` does not list; returns how many. */
export async function tombstonePostgres(db: WarehouseEngine, input: Tombstoning): Promise<number> {
  const t = rawTable(db, input.stream);
  const { connectionId, parentKey, keep, at } = input;
  if (parentKey !== undefined && keep.length <= SMALL_KEEP_LIST) {
    // One parent's short list (a pull request's comments): one statement, no temp table. The
    // parent's rows are found by index, so comparing each with a few keys costs nothing.
    const p = new Params();
    const rows = await db.query<{ n: string | number }>(
      `with tombstoned as (
         update ${t} t set _deleted_at = ${p.add(at)}::timestamptz
         where t.connection_id = ${p.add(connectionId)} and t._deleted_at is null
           and t.parent_key = ${p.add(parentKey)}
           and t.record_key <> all(${p.add(keep)}::text[])
         returning 1
       ) select count(*) as n from tombstoned`,
      p.values,
    );
    return Number(rows[0]?.n ?? 0);
  }
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
           ${parentKey !== undefined ? `and t.parent_key = ${p.add(parentKey)}` : ''}
           and not exists (select 1 from ${keepTable} k where k.record_key = t.record_key)
         returning 1
       ) select count(*) as n from tombstoned`,
      p.values,
    );
    return Number(rows[0]?.n ?? 0);
  });
}
