// A disconnected connection's data, deleted on the admin's request: its raw rows in every stream,
// and the ledger that says what was read (cursors, watermarks, runs, errors), so a later connect
// starts with a backfill. Its settings (streams turned on or off) and its audit trail stay.
import type { WarehouseEngine } from './engine';
import { RAW_STREAMS, rawTable } from './rawStreams';

const LEDGER_TABLES = ['stream_state', 'runs', 'errors'] as const;

export interface DeletedConnectionData {
  /** Raw rows deleted, by stream (streams with none left out). */
  rawRows: Record<string, number>;
}

export async function deleteConnectionData(
  db: WarehouseEngine,
  connectionId: string,
): Promise<DeletedConnectionData> {
  const rawRows: Record<string, number> = {};
  // One transaction on Postgres and PGlite; on BigQuery each delete stands alone and a retry
  // finishes what a failure left.
  await db.transaction(async (tx) => {
    for (const stream of RAW_STREAMS) {
      const [{ n } = { n: 0 }] = await tx.query<{ n: number | string }>(
        `select count(*) as n from ${rawTable(db, stream)} where connection_id = $1`,
        [connectionId],
      );
      if (Number(n) === 0) continue;
      await tx.query(`delete from ${rawTable(db, stream)} where connection_id = $1`, [connectionId]);
      rawRows[stream] = Number(n);
    }
    for (const table of LEDGER_TABLES)
      await tx.query(`delete from ${db.table('etl_meta', table)} where connection_id = $1`, [connectionId]);
  });
  return { rawRows };
}
