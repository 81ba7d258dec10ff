// etl_meta.connection_streams: the streams each connection turned on or off itself (`bbetl streams
// on|off`). This module only keeps the rows; what they mean (beside the defaults and
// BBETL_STREAMS) is bitbucket/streams/selection.ts.
import type { WarehouseEngine } from './engine';

export interface StoredStreamSetting {
  stream: string;
  on: boolean;
}

/** The connection's own settings, by stream name. */
export async function readStreamSettings(
  db: WarehouseEngine,
  connectionId: string,
): Promise<StoredStreamSetting[]> {
  const rows = await db.query<{ stream: string; enabled: unknown }>(
    `select stream, enabled from ${db.table('etl_meta', 'connection_streams')}
     where connection_id = $1 order by stream`,
    [connectionId],
  );
  return rows.map((r) => ({ stream: r.stream, on: r.enabled === true }));
}

/** Turns these streams on or off for the connection (replacing what it had for them). */
export async function writeStreamSettings(
  db: WarehouseEngine,
  connectionId: string,
  settings: readonly StoredStreamSetting[],
  at = new Date(),
): Promise<void> {
  const table = db.table('etl_meta', 'connection_streams');
  const sql =
    db.dialect === 'postgres'
      ? `insert into ${table} (connection_id, stream, enabled, updated_at) values ($1, $2, $3, $4)
         on conflict (connection_id, stream) do update set enabled = excluded.enabled, updated_at = excluded.updated_at`
      : `merge ${table} t using (select $1 as connection_id, $2 as stream) s
         on t.connection_id = s.connection_id and t.stream = s.stream
         when matched then update set enabled = $3, updated_at = $4
         when not matched then insert (connection_id, stream, enabled, updated_at) values ($1, $2, $3, $4)`;
  await db.transaction(async (q) => {
    for (const { stream, on } of settings) await q.query(sql, [connectionId, stream, on, at]);
  });
}

/** Drops the connection's own settings of these streams: they follow BBETL_STREAMS and the defaults again. */
export async function clearStreamSettings(
  db: WarehouseEngine,
  connectionId: string,
  streams: readonly string[],
): Promise<void> {
  const table = db.table('etl_meta', 'connection_streams');
  await db.transaction(async (q) => {
    for (const stream of streams)
      await q.query(`delete from ${table} where connection_id = $1 and stream = $2`, [connectionId, stream]);
  });
}
