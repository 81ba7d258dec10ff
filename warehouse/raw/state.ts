// etl_meta.stream_state: the cursor and watermark of each (connection, stream, scope), written
// with the records they stand for (see load.ts) or on their own, and read back when a stream resumes.
import type { Queryable, WarehouseEngine } from '../engine';
import { canonicalJson, normalizeTimestamp, storableText } from '../jsonValues';
import { assertRawStream, type RawStream } from '../rawStreams';
import { Params, requireText } from './records';

export interface StreamStateWrite {
  /** What the state is for inside the stream: a repository uuid, a pull request key, or ''. */
  scopeKey: string;
  /** undefined: keep the stored cursor; null: clear it; anything else: store it (as JSON). */
  cursor?: unknown | null;
  /** undefined: keep the stored watermark; null: clear it; an ISO-8601 timestamp: store it. */
  watermark?: string | null;
}

export interface StreamState {
  /** ISO-8601 UTC with microseconds, e.g. 2024-05-01T10:00:00.123456Z. */
  watermark?: string;
  cursor?: unknown;
}

export type PreparedState = ReturnType<typeof prepareState>;

export function prepareState(state: StreamStateWrite) {
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

/** Upserts the state through `q` (a transaction on Postgres, or the engine itself). */
export async function writePreparedState(
  q: Queryable,
  db: WarehouseEngine,
  connectionId: string,
  stream: RawStream,
  state: PreparedState,
): Promise<void> {
  const p = new Params();
  const table = db.table('etl_meta', 'stream_state');
  if (db.dialect === 'bigquery') {
    await q.query(
      `merge ${table} t
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
         values (s.connection_id, s.stream, s.scope_key, s.watermark, s.cursor, current_timestamp())`,
      p.values,
    );
    return;
  }
  await q.query(
    `insert into ${table} as t (connection_id, stream, scope_key, watermark, cursor, updated_at)
     values (${p.add(connectionId)}, ${p.add(stream)}, ${p.add(state.scopeKey)},
       nullif(${p.add(state.watermark)}, '')::timestamptz, nullif(${p.add(state.cursor)}, '')::jsonb, now())
     on conflict (connection_id, stream, scope_key) do update set
       watermark = case when ${p.add(state.setWatermark)}::boolean then excluded.watermark else t.watermark end,
       cursor = case when ${p.add(state.setCursor)}::boolean then excluded.cursor else t.cursor end,
       updated_at = excluded.updated_at`,
    p.values,
  );
}

/** Writes a stream's cursor/watermark on its own (e.g. a window that brought no records). */
export async function writeState(
  db: WarehouseEngine,
  input: { connectionId: string; stream: string } & StreamStateWrite,
): Promise<void> {
  const stream = assertRawStream(input.stream);
  const connectionId = requireText(input.connectionId, 'connectionId');
  await writePreparedState(db, db, connectionId, stream, prepareState(input));
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
