// Reads over the raw landing zone that orchestration needs (which rows changed in a run or a
// window, which children a parent has) and tombstoning a whole subtree. Generic over payloads:
// callers name JSON paths; this module knows nothing of what the records mean.
import type { WarehouseEngine } from './engine';
import { normalizeTimestamp } from './jsonValues';
import { RAW_STREAMS, rawTable } from './rawStreams';

const PATH_PART = /^[A-Za-z0-9_]+$/;

/** A SQL expression for the text at a JSON path of the payload column. */
export function jsonText(db: Pick<WarehouseEngine, 'dialect'>, path: readonly string[]): string {
  if (path.length === 0 || !path.every((p) => PATH_PART.test(p))) {
    throw new Error(`invalid JSON path: ${JSON.stringify(path)}`);
  }
  return db.dialect === 'bigquery'
    ? `json_value(payload, '$.${path.join('.')}')`
    : `(payload #>> '{${path.join(',')}}')`;
}

export interface RawSelection {
  stream: string;
  connectionId: string;
  parentKey?: string;
  /** Rows whose updated_on lies in [updatedFrom, updatedBefore). */
  updatedFrom?: string;
  updatedBefore?: string;
  /** Rows inserted or rewritten by this run. */
  runId?: string;
  /** Rows whose text at this path is not this value (a missing value counts as different). */
  notEqual?: { path: readonly string[]; value: string };
  /** Extra columns: name → JSON path in the payload. */
  columns?: Record<string, readonly string[]>;
  offset?: number;
  limit?: number;
}

export async function selectRaw(
  db: WarehouseEngine,
  sel: RawSelection,
): Promise<Array<Record<string, string | null>>> {
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
  if (sel.updatedFrom !== undefined) where.push(`updated_on >= ${ts(sel.updatedFrom)}`);
  if (sel.updatedBefore !== undefined) where.push(`updated_on < ${ts(sel.updatedBefore)}`);
  if (sel.runId !== undefined) where.push(`_run_id = ${p(sel.runId)}`);
  if (sel.notEqual)
    where.push(`coalesce(${jsonText(db, sel.notEqual.path)}, '') <> ${p(sel.notEqual.value)}`);
  const extra = Object.entries(sel.columns ?? {}).map(([name, path]) => {
    if (!PATH_PART.test(name)) throw new Error(`invalid column name: ${JSON.stringify(name)}`);
    return `${jsonText(db, path)} as ${name}`;
  });
  const paging = `${sel.limit !== undefined ? ` limit ${Math.max(0, Math.floor(sel.limit))}` : ''}${sel.offset ? ` offset ${Math.max(0, Math.floor(sel.offset))}` : ''}`;
  return db.query(
    `select ${['record_key', ...extra].join(', ')} from ${rawTable(db, sel.stream)} where ${where.join(' and ')} order by record_key${paging}`,
    params,
  );
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
