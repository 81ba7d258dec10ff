// What each incremental model's relation was built from (etl_meta.model_builds): the hash of its
// full-refresh SQL, written when it changes, read once per transform run.
import { createHash } from 'node:crypto';
import type { WarehouseEngine } from './engine';

export const sqlHash = (sql: string) => createHash('sha256').update(sql).digest('hex');

const table = (db: WarehouseEngine) => db.table('etl_meta', 'model_builds');

/** The hash each model's relation was last built from, by model. */
export async function modelBuildHashes(db: WarehouseEngine): Promise<Map<string, string>> {
  const rows = await db.query<{ model: string; sql_hash: string }>(
    `select model, sql_hash from ${table(db)}`,
  );
  return new Map(rows.map((r) => [r.model, r.sql_hash]));
}

export async function recordBuild(db: WarehouseEngine, model: string, hash: string): Promise<void> {
  await db.query(
    db.dialect === 'bigquery'
      ? `merge ${table(db)} t using (select $1 as model) s on t.model = s.model
         when matched then update set sql_hash = $2, built_at = current_timestamp()
         when not matched then insert (model, sql_hash, built_at) values ($1, $2, current_timestamp())`
      : `insert into ${table(db)} (model, sql_hash) values ($1, $2)
         on conflict (model) do update set sql_hash = excluded.sql_hash, built_at = now()`,
    [model, hash],
  );
}
