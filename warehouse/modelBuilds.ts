// What each model's relation was built from and when (etl_meta.model_builds): the hash of its
// full-refresh SQL, the transform run that last built it (or found it current), and the run in
// which its rows last changed. Read once per transform run, written once at its end.
import { createHash } from 'node:crypto';
import type { WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

export const sqlHash = (sql: string) => createHash('sha256').update(sql).digest('hex');

export interface ModelBuild {
  sqlHash: string;
  /** The stamp of the run that last built the model. */
  builtAt: Date;
  /** The stamp of the run in which its rows last changed; null: not known (counts as changed). */
  changedAt: Date | null;
  /** Incremental models: the stamp of the run whose full build last changed its rows. */
  rebuiltAt: Date | null;
}

const table = (db: WarehouseEngine) => db.table('etl_meta', 'model_builds');

/** Every model's last build, by model. */
export async function modelBuilds(db: WarehouseEngine): Promise<Map<string, ModelBuild>> {
  const rows = await db.query<{
    model: string;
    sql_hash: string;
    built_at: unknown;
    changed_at: unknown;
    rebuilt_at: unknown;
  }>(`select model, sql_hash, built_at, changed_at, rebuilt_at from ${table(db)}`);
  return new Map(
    rows.map((r) => [
      r.model,
      {
        sqlHash: r.sql_hash,
        builtAt: toDate(r.built_at) as Date,
        changedAt: toDate(r.changed_at),
        rebuiltAt: toDate(r.rebuilt_at),
      },
    ]),
  );
}

/** Records builds, all in one statement (one job on BigQuery). */
export async function recordBuilds(
  db: WarehouseEngine,
  builds: ReadonlyMap<string, ModelBuild>,
): Promise<void> {
  if (builds.size === 0) return;
  const params: unknown[] = [];
  const rows = [...builds].map(([model, b]) => {
    const at = (d: Date | null) => (d ?? new Date(0)).toISOString();
    params.push(model, b.sqlHash, at(b.builtAt), at(b.changedAt ?? b.builtAt), at(b.rebuiltAt));
    const n = params.length;
    return [n - 4, n - 3, n - 2, n - 1, n].map((i) => `$${i}`);
  });
  if (db.dialect === 'bigquery') {
    const source = rows
      .map(
        ([m, h, b, c, r]) =>
          `select ${m} as model, ${h} as sql_hash, timestamp(${b}) as built_at, timestamp(${c}) as changed_at, timestamp(${r}) as rebuilt_at`,
      )
      .join(' union all ');
    await db.query(
      `merge ${table(db)} t using (${source}) s on t.model = s.model
       when matched then update set sql_hash = s.sql_hash, built_at = s.built_at, changed_at = s.changed_at,
         rebuilt_at = s.rebuilt_at
       when not matched then insert (model, sql_hash, built_at, changed_at, rebuilt_at)
         values (s.model, s.sql_hash, s.built_at, s.changed_at, s.rebuilt_at)`,
      params,
    );
    return;
  }
  const values = rows.map(
    ([m, h, b, c, r]) =>
      `(${m}, ${h}, cast(${b} as timestamptz), cast(${c} as timestamptz), cast(${r} as timestamptz))`,
  );
  await db.query(
    `insert into ${table(db)} (model, sql_hash, built_at, changed_at, rebuilt_at) values ${values.join(', ')}
     on conflict (model) do update set sql_hash = excluded.sql_hash, built_at = excluded.built_at,
       changed_at = excluded.changed_at, rebuilt_at = excluded.rebuilt_at`,
    params,
  );
}

/**
 * A stamp for a run that starts now: later than every stamp recorded, so the order of runs holds
 * even when the clocks of the machines running them disagree.
 */
export function runStamp(builds: ReadonlyMap<string, ModelBuild>, now = Date.now()): Date {
  let latest = now;
  for (const b of builds.values())
    latest = Math.max(latest, b.builtAt.getTime() + 1, (b.changedAt?.getTime() ?? 0) + 1);
  return new Date(latest);
}
