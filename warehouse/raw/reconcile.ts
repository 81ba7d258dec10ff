// Id reconciliation over the raw landing zone: tombstones for what the source no longer lists, and
// which keys a stream already holds (the commit walk stops at hashes it has seen).
import type { WarehouseEngine } from '../engine';
import { storableText } from '../jsonValues';
import { assertRawStream, rawTable } from '../rawStreams';
import { BQ_PARAM_KEYS, tombstoneBigQuery } from './bigquery';
import { tombstonePostgres } from './postgres';
import { requireText, toIso } from './records';

/** Postgres: keys per existingKeys query. */
const PG_KEYS_PER_QUERY = 1_000;

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

/** Tombstones the rows the source no longer lists; returns how many rows it tombstoned. */
export async function markDeleted(db: WarehouseEngine, input: MarkDeletedInput): Promise<number> {
  const stream = assertRawStream(input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  requireText(input.runId, 'runId');
  const at = toIso(input.at, 'at');
  const keep = [...new Set(input.keep.map((k) => storableText(requireText(k, 'kept key'))))];
  const parentKey =
    input.parentKey === undefined || input.parentKey === null ? undefined : storableText(input.parentKey);
  const tombstoning = { stream, connectionId, parentKey, keep, at };
  return db.dialect === 'bigquery' ? tombstoneBigQuery(db, tombstoning) : tombstonePostgres(db, tombstoning);
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
