// Reads over the raw landing zone that orchestration needs (which rows changed in a run or a
// window, which children a parent has) and tombstoning a whole subtree. Generic over payloads:
// callers name JSON paths; this module knows nothing of what the records mean.
import type { WarehouseEngine } from './engine';
import { normalizeTimestamp } from './jsonValues';
import { RAW_STREAMS, rawTable } from './rawStreams';

const PATH_PART = /^[A-Za-z0-9_]+$/;

/** Throws unless every part of the path is a plain name (the path is written into SQL). */
function assertPlainPath(path: readonly string[]): void {
  if (path.length === 0 || !path.every((p) => PATH_PART.test(p))) {
    throw new Error(`invalid JSON path: ${JSON.stringify(path)}`);
  }
}

/** A SQL expression for the text at a JSON path of the payload column. */
export function jsonText(db: Pick<WarehouseEngine, 'dialect'>, path: readonly string[]): string {
  assertPlainPath(path);
  return db.dialect === 'bigquery'
    ? `json_value(payload, '$.${path.join('.')}')`
    : `(payload #>> '{${path.join(',')}}')`;
}

export interface RawSelection {
  stream: string;
  connectionId: string;
  parentKey?: string;
  /** Rows under any of these parents. */
  parentKeys?: readonly string[];
  /** Rows whose updated_on lies in [updatedFrom, updatedBefore). */
  updatedFrom?: string;
  updatedBefore?: string;
  /** Rows inserted or rewritten by this run. */
  runId?: string;
  /** Rows inserted or rewritten after this time (their payload changed since). */
  extractedAfter?: string;
  /** Rows whose text at this path is not this value (a missing value counts as different). */
  notEqual?: { path: readonly string[]; value: string };
  /** Rows whose payload has something at this path. */
  has?: readonly string[];
  /** Extra columns: name → JSON path in the payload. */
  columns?: Record<string, readonly string[]>;
  /** Whether the rows carry their parent_key too. */
  withParentKey?: boolean;
  offset?: number;
  limit?: number;
}

/** The WHERE clause of a selection, and its parameters ($1 is the connection). */
function filterOf(db: WarehouseEngine, sel: RawSelection): { where: string; params: unknown[] } {
  const params: unknown[] = [sel.connectionId];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const ts = (iso: string) =>
    db.dialect === 'bigquery'
      ? `timestamp(${p(normalizeTimestamp(iso))})`
      : `${p(normalizeTimestamp(iso))}::timestamptz`;
  const where = ['connection_id = $1', '_deleted_at is null'];
  if (sel.parentKey !== undefined) where.push(`parent_key = ${p(sel.parentKey)}`);
  if (sel.parentKeys !== undefined)
    where.push(
      db.dialect === 'bigquery'
        ? `parent_key in unnest(${p([...sel.parentKeys])})`
        : `parent_key = any(${p([...sel.parentKeys])}::text[])`,
    );
  if (sel.updatedFrom !== undefined) where.push(`updated_on >= ${ts(sel.updatedFrom)}`);
  if (sel.updatedBefore !== undefined) where.push(`updated_on < ${ts(sel.updatedBefore)}`);
  if (sel.runId !== undefined) where.push(`_run_id = ${p(sel.runId)}`);
  if (sel.extractedAfter !== undefined) where.push(`_extracted_at > ${ts(sel.extractedAfter)}`);
  if (sel.notEqual)
    where.push(`coalesce(${jsonText(db, sel.notEqual.path)}, '') <> ${p(sel.notEqual.value)}`);
  if (sel.has) where.push(`${jsonPresent(db, sel.has)}`);
  return { where: where.join(' and '), params };
}

/** A SQL condition: the payload has a value (any JSON, even null) at the path. */
function jsonPresent(db: Pick<WarehouseEngine, 'dialect'>, path: readonly string[]): string {
  assertPlainPath(path);
  return db.dialect === 'bigquery'
    ? `json_query(payload, '$.${path.join('.')}') is not null`
    : `(payload #> '{${path.join(',')}}') is not null`;
}

export async function selectRaw(
  db: WarehouseEngine,
  sel: RawSelection,
): Promise<Array<Record<string, string | null>>> {
  const { where, params } = filterOf(db, sel);
  const extra = Object.entries(sel.columns ?? {}).map(([name, path]) => {
    if (!PATH_PART.test(name)) throw new Error(`invalid column name: ${JSON.stringify(name)}`);
    return `${jsonText(db, path)} as ${name}`;
  });
  const selectList = ['record_key', ...(sel.withParentKey ? ['parent_key'] : []), ...extra].join(', ');
  const paging = `${sel.limit !== undefined ? ` limit ${Math.max(0, Math.floor(sel.limit))}` : ''}${sel.offset ? ` offset ${Math.max(0, Math.floor(sel.offset))}` : ''}`;
  return db.query(
    `select ${selectList} from ${rawTable(db, sel.stream)} where ${where} order by record_key${paging}`,
    params,
  );
}

/** The distinct parents of the selected rows. */
export async function parentsOf(db: WarehouseEngine, sel: RawSelection): Promise<Set<string>> {
  // (BigQuery cannot type an empty array parameter.)
  if (sel.parentKeys?.length === 0) return new Set();
  const { where, params } = filterOf(db, sel);
  const rows = await db.query<{ parent_key: string | null }>(
    `select distinct parent_key from ${rawTable(db, sel.stream)} where ${where}`,
    params,
  );
  return new Set(rows.flatMap((r) => (r.parent_key === null ? [] : [r.parent_key])));
}

/**
 * The selected rows with their depth in a newest-first list of their parent: how many of the
 * parent's live rows come before them, ordered by the text at `orderBy` (descending), shallowest
 * first. The selection must name its parent.
 */
export async function depthsInParent(
  db: WarehouseEngine,
  sel: RawSelection & { parentKey: string },
  orderBy: readonly string[],
): Promise<Array<{ record_key: string; depth: number; at: string | null }>> {
  const { where, params } = filterOf(db, sel);
  const at = jsonText(db, orderBy);
  const ranked = `select record_key, ${at} as at,
      row_number() over (order by ${at} desc, record_key) - 1 as depth
    from ${rawTable(db, sel.stream)} where connection_id = $1 and _deleted_at is null and parent_key = $${params.length + 1}`;
  const rows = await db.query<{ record_key: string; depth: number | string; at: string | null }>(
    `select r.record_key, r.depth, r.at from (${ranked}) r
     where r.record_key in (select record_key from ${rawTable(db, sel.stream)} where ${where})
     order by r.depth`,
    [...params, sel.parentKey],
  );
  return rows.map((r) => ({ record_key: r.record_key, depth: Number(r.depth), at: r.at }));
}

/** A SQL expression for the JSON text of whatever is at a path (an array or object too). */
function jsonValueText(db: Pick<WarehouseEngine, 'dialect'>, path: readonly string[]): string {
  assertPlainPath(path);
  return db.dialect === 'bigquery'
    ? `to_json_string(json_query(payload, '$.${path.join('.')}'))`
    : `(payload #> '{${path.join(',')}}')::text`;
}

/**
 * Of the selected rows, the text at `ref.id` of those no selected row names in its array at
 * `ref.array` (by the items' `ref.key`), latest `updated_on` first, at most `limit`: e.g. the hashes
 * of stored commits no stored commit has as a parent, the tips of what is stored. An array that
 * does not parse names nothing (its row can then only count as a tip).
 */
export async function unreferenced(
  db: WarehouseEngine,
  sel: RawSelection,
  ref: { id: readonly string[]; array: readonly string[]; key: string },
  limit: number,
): Promise<string[]> {
  const { where, params } = filterOf(db, sel);
  const rows = await db.query<{ id: string | null; refs: string | null }>(
    `select ${jsonText(db, ref.id)} as id, ${jsonValueText(db, ref.array)} as refs
     from ${rawTable(db, sel.stream)} where ${where} order by updated_on desc, record_key`,
    params,
  );
  const named = new Set<string>();
  for (const row of rows) {
    let items: unknown;
    try {
      items = row.refs === null ? [] : JSON.parse(row.refs);
    } catch {
      items = [];
    }
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      const key = (item as Record<string, unknown> | null)?.[ref.key];
      if (typeof key === 'string') named.add(key);
    }
  }
  return rows.flatMap((r) => (r.id === null || named.has(r.id) ? [] : [r.id])).slice(0, limit);
}

/** When the newest of the selected rows was written (ISO-8601 UTC, microseconds), if any. */
export async function latestExtraction(db: WarehouseEngine, sel: RawSelection): Promise<string | undefined> {
  const { where, params } = filterOf(db, sel);
  const text =
    db.dialect === 'bigquery'
      ? `format_timestamp('%Y-%m-%dT%H:%M:%E6SZ', max(_extracted_at), 'UTC')`
      : `to_char(max(_extracted_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const [row] = await db.query<{ latest: string | null }>(
    `select ${text} as latest from ${rawTable(db, sel.stream)} where ${where}`,
    params,
  );
  return row?.latest ?? undefined;
}

/**
 * Tombstones an entity and everything under it, in every stream: the row keyed `key`, rows whose
 * parent is `key`, and rows whose parent key starts with `key:` (children of children).
 */
export async function tombstoneSubtree(
  db: WarehouseEngine,
  connectionId: string,
  key: string,
  at: string,
): Promise<void> {
  const when = db.dialect === 'bigquery' ? 'timestamp($3)' : '$3::timestamptz';
  for (const stream of RAW_STREAMS) {
    await db.query(
      `update ${rawTable(db, stream)} set _deleted_at = ${when}
       where connection_id = $1 and _deleted_at is null
         and (record_key = $2 or parent_key = $2 or starts_with(parent_key, concat($2, ':')))`,
      [connectionId, key, normalizeTimestamp(at)],
    );
  }
}
