// The raw tables of the test connection as comparable data: per stream, each live record's key,
// parent and payload hash (what two loads of the same source share; load times and run ids
// differ, and a run that saw a record come and go keeps its tombstone).
import type { WarehouseEngine } from '../../warehouse/engine';
import { RAW_STREAMS } from '../../warehouse/rawStreams';
import { CONNECTION } from './pipeline';

export async function rawRows(db: WarehouseEngine): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const stream of RAW_STREAMS) {
    const rows = await db.query<{ record_key: string; parent_key: string | null; hash: string }>(
      `select record_key, parent_key, _payload_hash as hash from ${db.table('raw_bitbucket', stream)}
       where connection_id = $1 and _deleted_at is null`,
      [CONNECTION],
    );
    out[stream] = rows.map((r) => [r.record_key, r.parent_key, r.hash].join(' ')).sort();
  }
  return out;
}

/** How many raw records the warehouse holds, all streams together: a load's progress. */
export async function rawRecordCount(db: WarehouseEngine): Promise<number> {
  const counts = RAW_STREAMS.map(
    (stream) => `select count(*) as n from ${db.table('raw_bitbucket', stream)}`,
  );
  const [row] = await db.query<{ n: string }>(`select sum(n) as n from (${counts.join(' union all ')}) c`);
  return Number(row?.n ?? 0);
}
